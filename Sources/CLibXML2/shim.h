#ifndef MAILTALLY_CLIBXML2_SHIM_H
#define MAILTALLY_CLIBXML2_SHIM_H
#include <libxml/xmlversion.h>
// Debian's libxml2 is built with ICU; its headers would pull in the system ICU, which clashes
// with Foundation's own copy. Nothing here uses the ICU parts of the API.
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/xmlerror.h>
#include <libxml/globals.h>

/// `xmlFree` is a global function pointer in libxml2; Swift cannot call it directly.
static inline void cxml_free(void *p) { xmlFree(p); }

static inline void cxml_silence_errors_cb(void *ctx, xmlErrorPtr error) { (void)ctx; (void)error; }

static inline void cxml_silence_generic_cb(void *ctx, const char *msg, ...) { (void)ctx; (void)msg; }

/// Installs error handlers that drop libxml2's messages (they would go to stderr); the parser
/// collects its errors through its own structured handler.
static inline void cxml_silence_global_errors(void) {
    xmlSetStructuredErrorFunc(NULL, cxml_silence_errors_cb);
    xmlSetGenericErrorFunc(NULL, cxml_silence_generic_cb);
}
#endif
