/* A Keystone and Key Manager in memory for the API fuzzer (fake-km.c). */
#ifndef KMP11_FUZZ_FAKE_KM_H
#define KMP11_FUZZ_FAKE_KM_H

/* The password of a login token's user, its PIN. */
#define FAKE_KM_PIN "fuzz-pin"

#endif
