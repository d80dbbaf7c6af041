#ifndef MAILTALLY_CCARES_SHIM_H
#define MAILTALLY_CCARES_SHIM_H
#include <ares.h>
#include <arpa/nameser.h>
#include <poll.h>
#include <arpa/inet.h>
#endif
