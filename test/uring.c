// SPDX-License-Identifier: GPL-2.0
/*
 * uring: a minimal io_uring on raw system calls; see uring.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "uring.h"

int uring_init(struct uring *r, unsigned int entries)
{
	struct io_uring_params p;
	int err;

	memset(r, 0, sizeof(*r));
	memset(&p, 0, sizeof(p));
	r->fd = (int)syscall(__NR_io_uring_setup, entries, &p);
	if (r->fd < 0)
		return -errno;
	r->sq_ring_len = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
	r->cq_ring_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	r->sqes_len = p.sq_entries * sizeof(struct io_uring_sqe);
	r->sq_ring = mmap(NULL, r->sq_ring_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
			  r->fd, IORING_OFF_SQ_RING);
	r->cq_ring = mmap(NULL, r->cq_ring_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
			  r->fd, IORING_OFF_CQ_RING);
	r->sqes = mmap(NULL, r->sqes_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		       r->fd, IORING_OFF_SQES);
	if (r->sq_ring == MAP_FAILED || r->cq_ring == MAP_FAILED || r->sqes == MAP_FAILED) {
		err = errno;
		uring_exit(r);
		return -err;
	}
	r->sq_head = (unsigned int *)((char *)r->sq_ring + p.sq_off.head);
	r->sq_tail = (unsigned int *)((char *)r->sq_ring + p.sq_off.tail);
	r->sq_mask = (unsigned int *)((char *)r->sq_ring + p.sq_off.ring_mask);
	r->sq_array = (unsigned int *)((char *)r->sq_ring + p.sq_off.array);
	r->cq_head = (unsigned int *)((char *)r->cq_ring + p.cq_off.head);
	r->cq_tail = (unsigned int *)((char *)r->cq_ring + p.cq_off.tail);
	r->cq_mask = (unsigned int *)((char *)r->cq_ring + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)((char *)r->cq_ring + p.cq_off.cqes);
	return 0;
}

void uring_exit(struct uring *r)
{
	if (r->sqes && r->sqes != MAP_FAILED)
		munmap(r->sqes, r->sqes_len);
	if (r->cq_ring && r->cq_ring != MAP_FAILED)
		munmap(r->cq_ring, r->cq_ring_len);
	if (r->sq_ring && r->sq_ring != MAP_FAILED)
		munmap(r->sq_ring, r->sq_ring_len);
	if (r->fd >= 0)
		close(r->fd);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

void uring_prep(struct io_uring_sqe *sqe, int opcode, int fd, const void *addr,
		unsigned int len, unsigned long long off)
{
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = (unsigned char)opcode;
	sqe->fd = fd;
	sqe->addr = (unsigned long long)(uintptr_t)addr;
	sqe->len = len;
	sqe->off = off;
}

int uring_run(struct uring *r, const struct io_uring_sqe *sqe, int *res)
{
	unsigned int tail = *r->sq_tail, index = tail & *r->sq_mask, head;
	long ret;

	r->sqes[index] = *sqe;
	r->sq_array[index] = index;
	__atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
	do {
		ret = syscall(__NR_io_uring_enter, r->fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -errno;
	head = *r->cq_head;
	if (head == __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE))
		return -EAGAIN;	/* no completion although one was waited for */
	*res = r->cqes[head & *r->cq_mask].res;
	__atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
	return 0;
}

int uring_register_buffers(struct uring *r, const struct iovec *iov, unsigned int n)
{
	return syscall(__NR_io_uring_register, r->fd, IORING_REGISTER_BUFFERS, iov, n) < 0 ? -errno : 0;
}

int uring_unregister_buffers(struct uring *r)
{
	return syscall(__NR_io_uring_register, r->fd, IORING_UNREGISTER_BUFFERS, NULL, 0) < 0 ? -errno : 0;
}
