/* Stand-in: the topology code needs nothing from kfd_ioctl.h. */
