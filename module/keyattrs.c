#include "module/keyattrs.h"

#include "tokens/crypto-ctx.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

CK_KEY_TYPE kmp_key_type(const EVP_PKEY *key)
{
	switch (EVP_PKEY_get_base_id(key)) {
	case EVP_PKEY_RSA:
	case EVP_PKEY_RSA_PSS:
		return CKK_RSA;
	case EVP_PKEY_EC:
		return CKK_EC;
	case EVP_PKEY_ED25519:
	case EVP_PKEY_ED448:
		return CKK_EC_EDWARDS;
	default:
		return CK_UNAVAILABLE_INFORMATION;
	}
}

CK_KEY_TYPE kmp_key_type_from_algorithm(const char *algorithm)
{
	if (algorithm == NULL)
		return CK_UNAVAILABLE_INFORMATION;
	if (strcmp(algorithm, "rsa") == 0)
		return CKK_RSA;
	if (strcmp(algorithm, "ec") == 0 || strcmp(algorithm, "ecdsa") == 0)
		return CKK_EC;
	if (strcmp(algorithm, "ed25519") == 0 || strcmp(algorithm, "eddsa") == 0)
		return CKK_EC_EDWARDS;
	return CK_UNAVAILABLE_INFORMATION;
}

/* i2d into a fresh buffer, added as one attribute. */
#define ADD_DER(b, type, i2d, obj)                                             \
	do {                                                                   \
		unsigned char *der_ = NULL;                                    \
		int len_ = i2d(obj, &der_);                                    \
		if (len_ < 0)                                                  \
			(b)->failed = true;                                    \
		else                                                           \
			kmp_add_bytes(b, type, der_, (size_t)len_);            \
		OPENSSL_free(der_);                                            \
	} while (0)

/* A big-endian integer; private ones are wiped from the scratch buffers. */
static void add_bn(struct kmp_builder *b, CK_ATTRIBUTE_TYPE type,
		   const EVP_PKEY *key, const char *param)
{
	BIGNUM *bn = NULL;
	unsigned char *bytes;
	int n;

	if (!EVP_PKEY_get_bn_param(key, param, &bn)) {
		b->failed = true;
		return;
	}
	n = BN_num_bytes(bn);
	if ((bytes = malloc(n ? (size_t)n : 1)) == NULL) {
		b->failed = true;
	} else {
		BN_bn2bin(bn, bytes);
		kmp_add_bytes(b, type, bytes, (size_t)n);
		OPENSSL_cleanse(bytes, (size_t)n);
		free(bytes);
	}
	BN_clear_free(bn);
}

/* A DER OCTET STRING around a point, as CKA_EC_POINT wants it. */
static void add_octet_string(struct kmp_builder *b, CK_ATTRIBUTE_TYPE type,
			     const unsigned char *data, size_t len)
{
	unsigned char der[300];
	size_t h = 0;

	if (len > sizeof(der) - 4) {
		b->failed = true;
		return;
	}
	der[h++] = 0x04;
	if (len >= 0x80)
		der[h++] = 0x81;
	der[h++] = (unsigned char)len;
	memcpy(der + h, data, len);
	kmp_add_bytes(b, type, der, h + len);
}

static void add_curve_oid(struct kmp_builder *b, int nid)
{
	ASN1_OBJECT *oid = OBJ_nid2obj(nid);

	if (oid == NULL)
		b->failed = true;
	else
		ADD_DER(b, CKA_EC_PARAMS, i2d_ASN1_OBJECT, oid);
}

static void add_ec(struct kmp_builder *b, EVP_PKEY *key)
{
	char group[64];
	unsigned char point[200];
	size_t len = 0;

	if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME,
					    group, sizeof(group), NULL) ||
	    !EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY,
					     point, sizeof(point), &len)) {
		b->failed = true;
		return;
	}
	add_curve_oid(b, OBJ_txt2nid(group));
	add_octet_string(b, CKA_EC_POINT, point, len);
}

static void add_edwards(struct kmp_builder *b, EVP_PKEY *key)
{
	unsigned char point[64];
	size_t len = sizeof(point);

	if (!EVP_PKEY_get_raw_public_key(key, point, &len)) {
		b->failed = true;
		return;
	}
	add_curve_oid(b, EVP_PKEY_get_base_id(key));
	add_octet_string(b, CKA_EC_POINT, point, len);
}

/* The private components, readable (extractable) or as sensitive. */
static void add_private(struct kmp_builder *b, EVP_PKEY *key, CK_KEY_TYPE type,
			bool readable)
{
	static const struct {
		CK_ATTRIBUTE_TYPE type;
		const char *param;
	} rsa[] = {
		{CKA_PRIVATE_EXPONENT, OSSL_PKEY_PARAM_RSA_D},
		{CKA_PRIME_1, OSSL_PKEY_PARAM_RSA_FACTOR1},
		{CKA_PRIME_2, OSSL_PKEY_PARAM_RSA_FACTOR2},
		{CKA_EXPONENT_1, OSSL_PKEY_PARAM_RSA_EXPONENT1},
		{CKA_EXPONENT_2, OSSL_PKEY_PARAM_RSA_EXPONENT2},
		{CKA_COEFFICIENT, OSSL_PKEY_PARAM_RSA_COEFFICIENT1},
	};
	unsigned char raw[64];
	size_t len = sizeof(raw);

	for (size_t i = 0; type == CKK_RSA && i < 6; i++)
		if (readable)
			add_bn(b, rsa[i].type, key, rsa[i].param);
		else
			kmp_add_sensitive(b, rsa[i].type);
	if (!readable)
		kmp_add_sensitive(b, CKA_VALUE);
	else if (type == CKK_EC)
		add_bn(b, CKA_VALUE, key, OSSL_PKEY_PARAM_PRIV_KEY);
	else if (type == CKK_EC_EDWARDS &&
		 EVP_PKEY_get_raw_private_key(key, raw, &len))
		kmp_add_bytes(b, CKA_VALUE, raw, len);
	else if (type != CKK_RSA)
		b->failed = true;
	OPENSSL_cleanse(raw, sizeof(raw));
}

void kmp_add_key(struct kmp_builder *b, EVP_PKEY *key, enum kmp_key_half half)
{
	CK_KEY_TYPE type = kmp_key_type(key);

	kmp_add_ulong(b, CKA_KEY_TYPE, type);
	ADD_DER(b, CKA_PUBLIC_KEY_INFO, i2d_PUBKEY, key);
	if (type == CKK_RSA) {
		add_bn(b, CKA_MODULUS, key, OSSL_PKEY_PARAM_RSA_N);
		add_bn(b, CKA_PUBLIC_EXPONENT, key, OSSL_PKEY_PARAM_RSA_E);
		if (half == KMP_PUBLIC_HALF)
			kmp_add_ulong(b, CKA_MODULUS_BITS,
				      (CK_ULONG)EVP_PKEY_get_bits(key));
	} else if (type == CKK_EC) {
		add_ec(b, key);
	} else if (type == CKK_EC_EDWARDS) {
		add_edwards(b, key);
	}
	if (half != KMP_PUBLIC_HALF)
		add_private(b, key, type, half == KMP_PRIVATE_EXTRACTABLE);
	ERR_clear_error();
}

static void add_date(struct kmp_builder *b, CK_ATTRIBUTE_TYPE type,
		     const ASN1_TIME *t)
{
	struct tm tm;
	char text[40];
	CK_DATE date;

	if (!ASN1_TIME_to_tm(t, &tm)) {
		kmp_add_bytes(b, type, NULL, 0);
		return;
	}
	snprintf(text, sizeof(text), "%04d%02d%02d",
		 (tm.tm_year + 1900) % 10000, tm.tm_mon + 1, tm.tm_mday);
	memcpy(date.year, text, 4);
	memcpy(date.month, text + 4, 2);
	memcpy(date.day, text + 6, 2);
	kmp_add_bytes(b, type, &date, sizeof(date));
}

void kmp_add_certificate(struct kmp_builder *b, X509 *cert)
{
	unsigned char md[SHA_DIGEST_LENGTH];
	unsigned char *der = NULL;
	int len = i2d_X509(cert, &der);

	if (len < 0) {
		b->failed = true;
		return;
	}
	kmp_add_bytes(b, CKA_VALUE, der, (size_t)len);
	/* CKA_CHECK_VALUE: the first 3 bytes of SHA-1 of the value. */
	if (EVP_Digest(der, (size_t)len, md, NULL, km_digest("SHA1"), NULL))
		kmp_add_bytes(b, CKA_CHECK_VALUE, md, 3);
	else
		b->failed = true;
	OPENSSL_free(der);
	ADD_DER(b, CKA_SUBJECT, i2d_X509_NAME, X509_get_subject_name(cert));
	ADD_DER(b, CKA_ISSUER, i2d_X509_NAME, X509_get_issuer_name(cert));
	ADD_DER(b, CKA_SERIAL_NUMBER, i2d_ASN1_INTEGER,
		X509_get0_serialNumber(cert));
	ADD_DER(b, CKA_PUBLIC_KEY_INFO, i2d_X509_PUBKEY,
		X509_get_X509_PUBKEY(cert));
	add_date(b, CKA_START_DATE, X509_get0_notBefore(cert));
	add_date(b, CKA_END_DATE, X509_get0_notAfter(cert));
	kmp_add_bytes(b, CKA_URL, NULL, 0);
	kmp_add_bytes(b, CKA_HASH_OF_SUBJECT_PUBLIC_KEY, NULL, 0);
	kmp_add_bytes(b, CKA_HASH_OF_ISSUER_PUBLIC_KEY, NULL, 0);
	kmp_add_ulong(b, CKA_JAVA_MIDP_SECURITY_DOMAIN, 0);
	ERR_clear_error();
}

char *kmp_certificate_cn(X509 *cert)
{
	X509_NAME *name = X509_get_subject_name(cert);
	int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	unsigned char *utf8 = NULL;
	char *cn = NULL;
	int n;

	if (i < 0)
		return NULL;
	n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(
					       X509_NAME_get_entry(name, i)));
	if (n > 0)
		cn = strndup((const char *)utf8, (size_t)n);
	OPENSSL_free(utf8);
	return cn;
}

void kmp_add_key_id(struct kmp_builder *b, X509 *cert)
{
	const ASN1_OCTET_STRING *skid = X509_get0_subject_key_id(cert);
	unsigned char md[SHA_DIGEST_LENGTH];
	unsigned int len = 0;

	if (skid != NULL) {
		kmp_add_bytes(b, CKA_ID, ASN1_STRING_get0_data(skid),
			      (size_t)ASN1_STRING_length(skid));
	} else if (X509_pubkey_digest(cert, km_digest("SHA1"), md, &len)) {
		kmp_add_bytes(b, CKA_ID, md, len);
	} else {
		b->failed = true;
	}
	ERR_clear_error();
}

void kmp_add_subject(struct kmp_builder *b, X509 *cert)
{
	ADD_DER(b, CKA_SUBJECT, i2d_X509_NAME, X509_get_subject_name(cert));
}
