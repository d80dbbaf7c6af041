#ifndef MAILTALLY_CZLIB_SHIM_H
#define MAILTALLY_CZLIB_SHIM_H
#include <zlib.h>
// inflateInit2 and deflateInit2 are function-like macros, which Swift cannot see.
static inline int czlib_inflateInit2(z_streamp strm, int windowBits) { return inflateInit2(strm, windowBits); }
static inline int czlib_deflateInit2(z_streamp strm, int level, int windowBits, int memLevel) {
    return deflateInit2(strm, level, Z_DEFLATED, windowBits, memLevel, Z_DEFAULT_STRATEGY);
}
#endif
