/* Symbol visibility for libunitls. The library is built with hidden visibility by default;
 * only declarations marked UNITLS_API are exported. */
#ifndef UNITLS_EXPORT_H
#define UNITLS_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define UNITLS_API __attribute__((visibility("default")))
#else
#define UNITLS_API
#endif

#ifdef __cplusplus
#define UNITLS_BEGIN_DECLS extern "C" {
#define UNITLS_END_DECLS }
#else
#define UNITLS_BEGIN_DECLS
#define UNITLS_END_DECLS
#endif

#endif
