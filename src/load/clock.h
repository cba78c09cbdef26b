/* clock: the one time source of unitls-load, monotonic nanoseconds. Latencies, rates and the
 * open-loop schedule are all differences of these values, so a wall-clock step never shows up
 * as a latency. clock_gettime(CLOCK_MONOTONIC) is a vDSO call: cheap enough per unit. */
#ifndef UNITLS_LOAD_CLOCK_H
#define UNITLS_LOAD_CLOCK_H

#include <stdint.h>
#include <sys/time.h>
#include <time.h>

#define NS_PER_S 1000000000ull
#define NS_PER_MS 1000000ull

static inline uint64_t clock_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* A delay in nanoseconds as the struct timeval libevent takes. */
static inline struct timeval clock_timeval_of_ns(uint64_t ns)
{
    struct timeval tv;
    tv.tv_sec = (time_t)(ns / NS_PER_S);
    tv.tv_usec = (suseconds_t)((ns % NS_PER_S) / 1000u);
    return tv;
}

#endif
