/* SPDX-License-Identifier: MIT */
#ifndef PRELOAD_TEST_LATE_H
#define PRELOAD_TEST_LATE_H

#include <mqueue.h>

/** Queue \a q (named \a name) is received from, closed and unlinked by the
 * library's destructor. */
void late_use(mqd_t q, const char *name);

#endif /* PRELOAD_TEST_LATE_H */
