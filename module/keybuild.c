#include "module/keybuild.h"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/params.h>

/* OpenSSL 3.0 has no OSSL_PARAM_clear_free. */
static void params_clear_free(OSSL_PARAM *params)
{
	for (OSSL_PARAM *p = params; p != NULL && p->key != NULL; p++)
		if (p->data != NULL)
			OPENSSL_cleanse(p->data, p->data_size);
	OSSL_PARAM_free(params);
}

static EVP_PKEY *from_params(OSSL_LIB_CTX *libctx, const char *type,
			     OSSL_PARAM_BLD *bld, bool private)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(libctx, type, NULL);
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY *key = NULL;

	if (ctx == NULL || params == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &key,
			      private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
			      params) != 1)
		key = NULL;
	params_clear_free(params);
	EVP_PKEY_CTX_free(ctx);
	return key;
}

EVP_PKEY *kmp_rsa_key(OSSL_LIB_CTX *libctx, struct kmp_bytes n,
		      struct kmp_bytes e, const struct kmp_bytes *private)
{
	static const char *const names[] = {
		OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E,
		OSSL_PKEY_PARAM_RSA_D, OSSL_PKEY_PARAM_RSA_FACTOR1,
		OSSL_PKEY_PARAM_RSA_FACTOR2, OSSL_PKEY_PARAM_RSA_EXPONENT1,
		OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
	struct kmp_bytes parts[8] = {n, e};
	size_t count = private ? 8 : 2;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *bn[8] = {0};
	EVP_PKEY *key = NULL;
	bool ok = bld != NULL;

	for (size_t i = 2; private != NULL && i < 8; i++)
		parts[i] = private[i - 2];
	for (size_t i = 0; ok && i < count; i++)
		ok = parts[i].len > 0 && parts[i].len <= 2048 &&
		     (bn[i] = BN_bin2bn(parts[i].data, (int)parts[i].len, NULL)) &&
		     OSSL_PARAM_BLD_push_BN(bld, names[i], bn[i]);
	if (ok)
		key = from_params(libctx, "RSA", bld, private != NULL);
	for (size_t i = 0; i < 8; i++)
		BN_clear_free(bn[i]);
	OSSL_PARAM_BLD_free(bld);
	ERR_clear_error();
	return key;
}

static bool point_shaped(const unsigned char *data, size_t len, int nid)
{
	if (nid == NID_ED25519)
		return len == 32;
	if (nid == NID_ED448)
		return len == 57;
	return len > 0 && data[0] == 0x04; /* uncompressed */
}

/* The point inside its DER OCTET STRING (CKA_EC_POINT as the spec has
 * it), or as given when it is already raw, as some clients send it. */
static struct kmp_bytes unwrap_point(struct kmp_bytes point, int nid)
{
	const unsigned char *p = point.data;
	ASN1_OCTET_STRING *os = d2i_ASN1_OCTET_STRING(NULL, &p, (long)point.len);
	struct kmp_bytes raw = {NULL, 0};

	if (os != NULL && p == point.data + point.len &&
	    point_shaped(point.data + (point.len - (size_t)os->length),
			 (size_t)os->length, nid)) {
		raw.data = point.data + (point.len - (size_t)os->length);
		raw.len = (size_t)os->length;
	} else if (point_shaped(point.data, point.len, nid)) {
		raw = point;
	}
	ASN1_OCTET_STRING_free(os);
	return raw;
}

/* The uncompressed public point d*G on the curve nid; its length, 0 if
 * d is not a valid key there. */
static size_t ec_point_of(OSSL_LIB_CTX *libctx, int nid, const BIGNUM *d,
			  unsigned char *out, size_t size)
{
	EC_GROUP *group = EC_GROUP_new_by_curve_name_ex(libctx, NULL, nid);
	EC_POINT *p = group ? EC_POINT_new(group) : NULL;
	size_t len = 0;

	if (p != NULL && !BN_is_zero(d) &&
	    BN_cmp(d, EC_GROUP_get0_order(group)) < 0 &&
	    EC_POINT_mul(group, p, d, NULL, NULL, NULL))
		len = EC_POINT_point2oct(group, p, POINT_CONVERSION_UNCOMPRESSED,
					 out, size, NULL);
	EC_POINT_free(p);
	EC_GROUP_free(group);
	return len;
}

EVP_PKEY *kmp_ec_key(OSSL_LIB_CTX *libctx, struct kmp_bytes params,
		     struct kmp_bytes point, struct kmp_bytes priv)
{
	const unsigned char *p = params.data;
	ASN1_OBJECT *oid = d2i_ASN1_OBJECT(NULL, &p, (long)params.len);
	int nid = oid ? OBJ_obj2nid(oid) : NID_undef;
	struct kmp_bytes raw = unwrap_point(point, nid);
	unsigned char point_buf[133]; /* P-521 uncompressed */
	OSSL_PARAM_BLD *bld = NULL;
	BIGNUM *d = NULL;
	EVP_PKEY *key = NULL;

	ASN1_OBJECT_free(oid);
	if (nid == NID_undef || (raw.len == 0 && priv.len == 0))
		return NULL;
	if (nid == NID_ED25519 || nid == NID_ED448) {
		const char *type = nid == NID_ED25519 ? "ED25519" : "ED448";
		key = priv.len > 0
			      ? EVP_PKEY_new_raw_private_key_ex(libctx, type, NULL,
								priv.data, priv.len)
			      : EVP_PKEY_new_raw_public_key_ex(libctx, type, NULL,
							       raw.data, raw.len);
		ERR_clear_error();
		return key;
	}
	if ((d = BN_bin2bn(priv.data, (int)priv.len, NULL)) == NULL)
		return NULL;
	/* Private keys often come without their point (pkcs11-tool's do). */
	if (raw.len == 0 &&
	    (raw.len = ec_point_of(libctx, nid, d, point_buf,
				   sizeof(point_buf))) == 0) {
		BN_clear_free(d);
		return NULL;
	}
	if (raw.data == NULL)
		raw.data = point_buf;
	if ((bld = OSSL_PARAM_BLD_new()) != NULL &&
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
					    OBJ_nid2sn(nid), 0) &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
					     raw.data, raw.len) &&
	    (priv.len == 0 ||
	     OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d)))
		key = from_params(libctx, "EC", bld, priv.len > 0);
	BN_clear_free(d);
	OSSL_PARAM_BLD_free(bld);
	ERR_clear_error();
	return key;
}

EVP_PKEY *kmp_ec_peer(OSSL_LIB_CTX *libctx, EVP_PKEY *base,
		      struct kmp_bytes point)
{
	char group[64];
	OSSL_PARAM_BLD *bld;
	struct kmp_bytes raw = unwrap_point(point, NID_undef);
	EVP_PKEY *key = NULL;

	if (raw.len == 0 ||
	    !EVP_PKEY_get_utf8_string_param(base, OSSL_PKEY_PARAM_GROUP_NAME,
					    group, sizeof(group), NULL) ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL)
		return NULL;
	if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
					    group, 0) &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
					     raw.data, raw.len))
		key = from_params(libctx, "EC", bld, false);
	OSSL_PARAM_BLD_free(bld);
	ERR_clear_error();
	return key;
}
