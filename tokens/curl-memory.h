/*
 * libcurl's memory, wiped when it is freed: the requests it builds hold
 * the Keystone password or PIN (the auth body, which libcurl copies into
 * its send buffer) and the X-Auth-Token header, in buffers it frees as it
 * likes. Installed when kmp11 is the first in the process to initialize
 * libcurl; an application that initialized it before keeps its own
 * allocator (docs/security.md).
 */
#ifndef KMP11_CURL_MEMORY_H
#define KMP11_CURL_MEMORY_H

/* curl_global_init, with the wiping allocator. */
void km_curl_global_init(void);

#endif
