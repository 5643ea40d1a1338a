/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uring: the smallest io_uring helper the test programs need (zerocopy,
 * filecalls), on raw system calls: no liburing. One submission at a time,
 * waited for.
 */
#ifndef MMAPDEV_URING_H
#define MMAPDEV_URING_H

#include <stddef.h>
#include <linux/io_uring.h>
#include <sys/uio.h>

struct uring {
	int fd;
	unsigned int *sq_head, *sq_tail, *sq_mask, *sq_array;
	unsigned int *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
	void *sq_ring, *cq_ring;
	size_t sq_ring_len, cq_ring_len, sqes_len;
};

/* io_uring_setup() and the ring mappings: 0, or -errno (ENOSYS, EPERM: disabled). */
int uring_init(struct uring *r, unsigned int entries);
void uring_exit(struct uring *r);

/* Submits *sqe and waits for its completion: 0 with *res set, or -errno of io_uring_enter(). */
int uring_run(struct uring *r, const struct io_uring_sqe *sqe, int *res);

/* A read or write SQE: opcode, fd, user address, length, file offset. */
void uring_prep(struct io_uring_sqe *sqe, int opcode, int fd, const void *addr,
		unsigned int len, unsigned long long off);

/* IORING_REGISTER_BUFFERS / IORING_UNREGISTER_BUFFERS: 0, or -errno. */
int uring_register_buffers(struct uring *r, const struct iovec *iov, unsigned int n);
int uring_unregister_buffers(struct uring *r);

#endif
