// SPDX-License-Identifier: GPL-2.0
/*
 * copy_splice_read(): mainline 6.5, which removed generic_file_splice_read()
 * (splice through ->read_iter() since 4.x).
 */
#include <linux/fs.h>

ssize_t probe(struct file *in, loff_t *ppos, struct pipe_inode_info *pipe);
ssize_t probe(struct file *in, loff_t *ppos, struct pipe_inode_info *pipe)
{
	return copy_splice_read(in, ppos, pipe, 1, 0);
}
