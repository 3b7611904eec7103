/*
 * OpenSSL's secure heap for key material: private key numbers parsed by
 * OpenSSL live there, in memory locked against swapping (where
 * RLIMIT_MEMLOCK allows) and left out of core dumps (MADV_DONTDUMP).
 * KMP11_SECURE_HEAP sets its size in bytes (default 8 MiB; 0: none).
 */
#ifndef KMP11_SECURE_HEAP_H
#define KMP11_SECURE_HEAP_H

/* Once per process; logs what the platform allowed. An application that
 * set up its own secure heap keeps it. */
void kmp_secure_heap_init(void);

#endif
