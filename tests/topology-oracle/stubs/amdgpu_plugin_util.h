/* Stand-in for CRIU's amdgpu_plugin_util.h: only the logging the topology code uses, routed to the harness. */
#ifndef HARNESS_PLUGIN_UTIL_H
#define HARNESS_PLUGIN_UTIL_H
#include <stdbool.h>
#include <stdint.h>
void harness_log(int error, const char *format, ...);
#define pr_err(fmt, ...)    harness_log(1, fmt, ##__VA_ARGS__)
#define pr_perror(fmt, ...) harness_log(1, fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...)   harness_log(0, fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...)  harness_log(0, fmt, ##__VA_ARGS__)
#endif
