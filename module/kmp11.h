/*
 * kmp11.h - kmp11's vendor-defined PKCS#11 constants: certificate orders
 * through the Key Manager's certificate authority, and order objects.
 *
 * Include it after a PKCS#11 header (p11-kit's <p11-kit/pkcs11.h>, or
 * OASIS' pkcs11.h). Every name starts with KMP11 after its CK?_ prefix;
 * every value is its PKCS#11 range's CK?_VENDOR_DEFINED | 0x4b4d0000
 * ("KM") plus a small number. See docs/vendor.md.
 */
#ifndef KMP11_VENDOR_H
#define KMP11_VENDOR_H

#ifndef CKM_VENDOR_DEFINED
#error "include a PKCS#11 header before kmp11.h"
#endif

#define KMP11_VENDOR_BASE 0x4b4d0000UL

/*
 * C_GenerateKey(session, {CKM_KMP11_CERTIFICATE_ORDER, &params,
 * sizeof(params)}, template, count, &order) submits a certificate order
 * and returns the handle of its order object. The template may give
 * CKA_CLASS (CKO_KMP11_ORDER), CKA_TOKEN (CK_TRUE) and CKA_LABEL: the
 * name of the container the order makes. Needs a read-write session.
 */
#define CKM_KMP11_CERTIFICATE_ORDER (CKM_VENDOR_DEFINED | KMP11_VENDOR_BASE | 1UL)

/* ulRequestType of CK_KMP11_CERTIFICATE_ORDER_PARAMS. */
#define KMP11_REQUEST_CUSTOM 1UL     /* a PKCS#10 CSR, issued as it is */
#define KMP11_REQUEST_STORED_KEY 2UL /* a key pair of the token + a subject */
#define KMP11_REQUEST_SIMPLE_CMC 3UL /* a PKCS#10 CSR, as simple CMC */

typedef struct CK_KMP11_CERTIFICATE_ORDER_PARAMS {
	CK_ULONG ulRequestType;
	/* custom, simple-cmc: the CSR, PEM or DER. */
	CK_BYTE_PTR pRequest;
	CK_ULONG ulRequestLen;
	/* stored-key: the private key of an RSA key pair the Key Manager
	 * made (C_GenerateKeyPair with CKM_RSA_PKCS_KEY_PAIR_GEN), and the
	 * subject DN, e.g. "CN=www.example.com,O=Example". The key never
	 * leaves the Key Manager.
	 * custom, simple-cmc: CK_INVALID_HANDLE, or the private key of the
	 * token the CSR was made with: the issued certificate's container
	 * (which then needs a CKA_LABEL) holds that key too, as a renewal
	 * that keeps its key needs. The caller vouches that the CSR is the
	 * key's. */
	CK_OBJECT_HANDLE hKey;
	CK_UTF8CHAR_PTR pSubject;
	CK_ULONG ulSubjectLen;
	/* Optional (NULL_PTR, 0): the Key Manager CA's id, and a profile
	 * (needs the CA id). */
	CK_UTF8CHAR_PTR pCaId;
	CK_ULONG ulCaIdLen;
	CK_UTF8CHAR_PTR pProfile;
	CK_ULONG ulProfileLen;
	/* How long C_GenerateKey waits for the order to complete (0: not
	 * at all). Once ACTIVE, the certificate is found at once. */
	CK_ULONG ulWaitSeconds;
} CK_KMP11_CERTIFICATE_ORDER_PARAMS;

/*
 * Order objects: the project's Key Manager orders. C_FindObjectsInit
 * with CKA_CLASS = CKO_KMP11_ORDER lists them (only a template naming
 * this class does); C_DestroyObject deletes one. Reading the status of
 * a pending order asks the Key Manager again.
 */
#define CKO_KMP11_ORDER (CKO_VENDOR_DEFINED | KMP11_VENDOR_BASE | 1UL)

/* CK_ULONG: KMP11_ORDER_PENDING, _ACTIVE or _ERROR. */
#define CKA_KMP11_ORDER_STATUS (CKA_VENDOR_DEFINED | KMP11_VENDOR_BASE | 1UL)
/* UTF-8: the Key Manager's status message (sub_status_message). */
#define CKA_KMP11_ORDER_MESSAGE (CKA_VENDOR_DEFINED | KMP11_VENDOR_BASE | 2UL)
/* UTF-8: "code: reason" of a failed order; empty otherwise. */
#define CKA_KMP11_ORDER_ERROR (CKA_VENDOR_DEFINED | KMP11_VENDOR_BASE | 3UL)
/* UTF-8: the order's URL in the Key Manager. */
#define CKA_KMP11_ORDER_REF (CKA_VENDOR_DEFINED | KMP11_VENDOR_BASE | 4UL)
/* UTF-8: the container (certificate, key pair) or secret (key) the
 * order made; empty while it has made none. */
#define CKA_KMP11_RESULT_REF (CKA_VENDOR_DEFINED | KMP11_VENDOR_BASE | 5UL)
/* UTF-8: "certificate", "asymmetric" or "key". */
#define CKA_KMP11_ORDER_TYPE (CKA_VENDOR_DEFINED | KMP11_VENDOR_BASE | 6UL)
/* UTF-8: a certificate order's request type ("custom", "stored-key",
 * "simple-cmc"); empty for other orders. */
#define CKA_KMP11_REQUEST_TYPE (CKA_VENDOR_DEFINED | KMP11_VENDOR_BASE | 7UL)

/* UTF-8, on the token objects of the Key Manager: the uuid of the
 * secret that holds the object (a certificate, a key, the chain of an
 * intermediate). Containers may share secrets: a renewal that keeps its
 * key makes a container holding the same private key secret, and
 * C_DestroyObject deletes only the secrets no other container holds. A
 * search may give it: the private keys of one secret. */
#define CKA_KMP11_SECRET_ID (CKA_VENDOR_DEFINED | KMP11_VENDOR_BASE | 8UL)

#define KMP11_ORDER_PENDING 0UL
#define KMP11_ORDER_ACTIVE 1UL
#define KMP11_ORDER_ERROR 2UL

#endif
