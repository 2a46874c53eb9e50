#ifndef FEDCHAIN_CZLIB_SHIM_H
#define FEDCHAIN_CZLIB_SHIM_H
#include <zlib.h>
#endif
