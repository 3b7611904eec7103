/* The operation rules (buffer sizes, when an operation ends) and the
 * mechanism families, on keys made here. */
#include "module/cipher.h"
#include "module/digest.h"
#include "module/ops.h"
#include "module/sign.h"

#include <openssl/ec.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static const unsigned char msg[] = "kmp11 operation rules";

static void test_buffer_protocol(void **state)
{
	CK_MECHANISM m = {CKM_SHA256, NULL, 0};
	struct kmp_op *op;
	unsigned char out[64];
	CK_ULONG len = 0;
	bool keep;

	assert_int_equal(kmp_digest_new(&m, &op), CKR_OK);
	/* NULL output: the length, and the operation stays. */
	assert_int_equal(kmp_op_run_single(op, msg, sizeof(msg), NULL, &len, &keep),
			 CKR_OK);
	assert_int_equal(len, 32);
	assert_true(keep);
	/* Too small: the length again, still active. */
	len = 31;
	assert_int_equal(kmp_op_run_single(op, msg, sizeof(msg), out, &len, &keep),
			 CKR_BUFFER_TOO_SMALL);
	assert_int_equal(len, 32);
	assert_true(keep);
	len = sizeof(out);
	assert_int_equal(kmp_op_run_single(op, msg, sizeof(msg), out, &len, &keep),
			 CKR_OK);
	assert_int_equal(len, 32);
	assert_false(keep);
	kmp_op_free(op);
}

static void test_single_after_update(void **state)
{
	CK_MECHANISM m = {CKM_SHA_1, NULL, 0};
	struct kmp_op *op;
	unsigned char out[64];
	CK_ULONG len = sizeof(out);
	bool keep;

	assert_int_equal(kmp_digest_new(&m, &op), CKR_OK);
	assert_int_equal(kmp_op_run_update(op, msg, 4, NULL, NULL, &keep), CKR_OK);
	assert_true(keep);
	assert_int_equal(kmp_op_run_single(op, msg, 4, out, &len, &keep),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_false(keep);
	kmp_op_free(op);
	/* Parameters a digest does not take. */
	m.pParameter = out;
	m.ulParameterLen = 1;
	assert_int_equal(kmp_digest_new(&m, &op), CKR_MECHANISM_PARAM_INVALID);
	m.mechanism = CKM_MD5;
	assert_int_equal(kmp_digest_new(&m, &op), CKR_MECHANISM_INVALID);
}

static CK_RV sign(CK_MECHANISM_TYPE type, const struct kmp_key *key,
		  unsigned char *sig, CK_ULONG *len)
{
	CK_MECHANISM m = {type, NULL, 0};
	struct kmp_op *op;
	bool keep;
	CK_RV rv = kmp_sign_new(KMP_OP_SIGN, &m, key, &op);

	if (rv != CKR_OK)
		return rv;
	rv = kmp_op_run_single(op, msg, sizeof(msg), sig, len, &keep);
	kmp_op_free(op);
	return rv;
}

static CK_RV verify(CK_MECHANISM_TYPE type, const struct kmp_key *key,
		    const unsigned char *sig, CK_ULONG len)
{
	CK_MECHANISM m = {type, NULL, 0};
	struct kmp_op *op;
	CK_RV rv = kmp_sign_new(KMP_OP_VERIFY, &m, key, &op);

	if (rv != CKR_OK)
		return rv;
	rv = kmp_op_run_verify(op, msg, sizeof(msg), true, sig, len);
	kmp_op_free(op);
	return rv;
}

/* r||s for every curve, including values with leading zero bytes (one
 * signature in 256 has one): 600 signatures each, checked by OpenSSL. */
static void test_ecdsa_encoding(void **state)
{
	static const char *const curves[] = {"P-256", "P-384", "P-521"};
	unsigned char sig[132], der[160], *p;
	CK_ULONG len;
	ECDSA_SIG *es;
	EVP_PKEY_CTX *ctx;

	(void)state;
	for (size_t c = 0; c < 3; c++) {
		struct kmp_key ec = {CKK_EC, EVP_EC_gen(curves[c]), NULL, 0};
		for (int i = 0; i < 600; i++) {
			unsigned char digest[32] = {(unsigned char)i, (unsigned char)(i >> 8)};
			struct kmp_op *op;
			CK_MECHANISM m = {CKM_ECDSA, NULL, 0};
			bool keep;
			len = sizeof(sig);
			assert_int_equal(kmp_sign_new(KMP_OP_SIGN, &m, &ec, &op), CKR_OK);
			assert_int_equal(kmp_op_run_single(op, digest, sizeof(digest), sig,
							   &len, &keep),
					 CKR_OK);
			kmp_op_free(op);
			es = ECDSA_SIG_new();
			ECDSA_SIG_set0(es, BN_bin2bn(sig, (int)len / 2, NULL),
				       BN_bin2bn(sig + len / 2, (int)len / 2, NULL));
			p = der;
			ctx = EVP_PKEY_CTX_new(ec.pkey, NULL);
			assert_int_equal(EVP_PKEY_verify_init(ctx), 1);
			assert_int_equal(EVP_PKEY_verify(ctx, der, (size_t)i2d_ECDSA_SIG(es, &p),
							 digest, sizeof(digest)), 1);
			EVP_PKEY_CTX_free(ctx);
			ECDSA_SIG_free(es);
		}
		EVP_PKEY_free(ec.pkey);
	}
}

static void test_sign_verify(void **state)
{
	struct kmp_key ec = {CKK_EC, EVP_EC_gen("P-384"), NULL, 0};
	struct kmp_key secret = {CKK_GENERIC_SECRET, NULL,
				 (const unsigned char *)"0123456789abcdef", 16};
	unsigned char sig[128];
	CK_ULONG len = sizeof(sig);

	assert_int_equal(sign(CKM_ECDSA_SHA256, &ec, sig, &len), CKR_OK);
	assert_int_equal(len, 96); /* r||s, 48 bytes each */
	assert_int_equal(verify(CKM_ECDSA_SHA256, &ec, sig, len), CKR_OK);
	assert_int_equal(verify(CKM_ECDSA_SHA256, &ec, sig, len - 1),
			 CKR_SIGNATURE_LEN_RANGE);
	sig[10] ^= 1;
	assert_int_equal(verify(CKM_ECDSA_SHA256, &ec, sig, len),
			 CKR_SIGNATURE_INVALID);
	/* Wrong key type, wrong operation for the mechanism. */
	assert_int_equal(sign(CKM_SHA256_RSA_PKCS, &ec, sig, &len),
			 CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(sign(CKM_AES_CBC, &ec, sig, &len), CKR_MECHANISM_INVALID);

	len = sizeof(sig);
	assert_int_equal(sign(CKM_SHA256_HMAC, &secret, sig, &len), CKR_OK);
	assert_int_equal(len, 32);
	assert_int_equal(verify(CKM_SHA256_HMAC, &secret, sig, len), CKR_OK);
	sig[0] ^= 1;
	assert_int_equal(verify(CKM_SHA256_HMAC, &secret, sig, len),
			 CKR_SIGNATURE_INVALID);
	EVP_PKEY_free(ec.pkey);
}

/* Hash-and-sign in parts: the final after a length query still signs,
 * and the PSS hash must be the mechanism's own. */
static void test_pss_in_parts(void **state)
{
	struct kmp_key rsa = {CKK_RSA, EVP_RSA_gen(2048), NULL, 0};
	CK_RSA_PKCS_PSS_PARAMS pss = {CKM_SHA256, CKG_MGF1_SHA256, 32};
	CK_MECHANISM m = {CKM_SHA256_RSA_PKCS_PSS, &pss, sizeof(pss)};
	unsigned char sig[256];
	CK_ULONG len = 0;
	struct kmp_op *op;
	bool keep;

	(void)state;
	assert_int_equal(kmp_sign_new(KMP_OP_SIGN, &m, &rsa, &op), CKR_OK);
	assert_int_equal(kmp_op_run_update(op, msg, 5, NULL, NULL, &keep), CKR_OK);
	assert_int_equal(kmp_op_run_update(op, msg + 5, sizeof(msg) - 5, NULL,
					   NULL, &keep),
			 CKR_OK);
	assert_int_equal(kmp_op_run_final(op, NULL, &len, &keep), CKR_OK);
	assert_true(keep);
	assert_int_equal(len, sizeof(sig));
	assert_int_equal(kmp_op_run_final(op, sig, &len, &keep), CKR_OK);
	assert_false(keep);
	kmp_op_free(op);
	assert_int_equal(kmp_sign_new(KMP_OP_VERIFY, &m, &rsa, &op), CKR_OK);
	assert_int_equal(kmp_op_run_verify(op, msg, sizeof(msg), true, sig, len),
			 CKR_OK);
	kmp_op_free(op);
	pss.hashAlg = CKM_SHA384;
	pss.mgf = CKG_MGF1_SHA384;
	assert_int_equal(kmp_sign_new(KMP_OP_SIGN, &m, &rsa, &op),
			 CKR_MECHANISM_PARAM_INVALID);
	EVP_PKEY_free(rsa.pkey);
}

/* Encrypts then decrypts msg (or in) with one mechanism; returns the
 * decryption's rv, and the ciphertext in ct. */
static CK_RV round_trip(CK_MECHANISM *m, const struct kmp_key *key,
			const unsigned char *in, CK_ULONG in_len,
			unsigned char *ct, CK_ULONG *ct_len)
{
	unsigned char pt[512];
	CK_ULONG pt_len = sizeof(pt);
	struct kmp_op *op;
	bool keep;
	CK_RV rv = kmp_cipher_new(KMP_OP_ENCRYPT, m, key, &op);

	if (rv != CKR_OK)
		return rv;
	rv = kmp_op_run_single(op, in, in_len, ct, ct_len, &keep);
	kmp_op_free(op);
	if (rv != CKR_OK)
		return rv;
	if ((rv = kmp_cipher_new(KMP_OP_DECRYPT, m, key, &op)) != CKR_OK)
		return rv;
	rv = kmp_op_run_single(op, ct, *ct_len, pt, &pt_len, &keep);
	kmp_op_free(op);
	if (rv == CKR_OK &&
	    (pt_len != in_len || memcmp(pt, in, in_len) != 0))
		rv = CKR_GENERAL_ERROR;
	return rv;
}

static void test_rsa_cipher(void **state)
{
	struct kmp_key rsa = {CKK_RSA, EVP_RSA_gen(2048), NULL, 0};
	CK_RSA_PKCS_OAEP_PARAMS oaep = {CKM_SHA256, CKG_MGF1_SHA256,
					CKZ_DATA_SPECIFIED, "label", 5};
	CK_MECHANISM m = {CKM_RSA_PKCS_OAEP, &oaep, sizeof(oaep)};
	unsigned char ct[256], big[256] = {0};
	CK_ULONG len = sizeof(ct);
	struct kmp_op *op;
	bool keep;

	assert_int_equal(round_trip(&m, &rsa, msg, sizeof(msg), ct, &len), CKR_OK);
	assert_int_equal(len, 256);
	m = (CK_MECHANISM){CKM_RSA_PKCS, NULL, 0};
	len = sizeof(ct);
	assert_int_equal(round_trip(&m, &rsa, msg, sizeof(msg), ct, &len), CKR_OK);
	/* 246 bytes do not fit PKCS#1 v1.5 padding in 256. */
	len = sizeof(ct);
	assert_int_equal(round_trip(&m, &rsa, big, 246, ct, &len),
			 CKR_DATA_LEN_RANGE);
	/* Ciphertext of the wrong length, or not decrypting. */
	assert_int_equal(kmp_cipher_new(KMP_OP_DECRYPT, &m, &rsa, &op), CKR_OK);
	len = sizeof(ct);
	assert_int_equal(kmp_op_run_single(op, big, 255, ct, &len, &keep),
			 CKR_ENCRYPTED_DATA_LEN_RANGE);
	kmp_op_free(op);
	oaep.hashAlg = CKM_MD5;
	m = (CK_MECHANISM){CKM_RSA_PKCS_OAEP, &oaep, sizeof(oaep)};
	assert_int_equal(kmp_cipher_new(KMP_OP_ENCRYPT, &m, &rsa, &op),
			 CKR_MECHANISM_PARAM_INVALID);
	/* What pkcs11-provider 1.2.0 sends when the application names no
	 * digest, or the OAEP one only: PKCS#11 gives 0 no meaning for
	 * either (docs/conformance.md). */
	oaep = (CK_RSA_PKCS_OAEP_PARAMS){0, 0, CKZ_DATA_SPECIFIED, NULL, 0};
	assert_int_equal(kmp_cipher_new(KMP_OP_DECRYPT, &m, &rsa, &op),
			 CKR_MECHANISM_PARAM_INVALID);
	oaep.hashAlg = CKM_SHA256;
	assert_int_equal(kmp_cipher_new(KMP_OP_DECRYPT, &m, &rsa, &op),
			 CKR_MECHANISM_PARAM_INVALID);
	EVP_PKEY_free(rsa.pkey);
}

static void test_aes(void **state)
{
	unsigned char key[32], iv[16], ct[128], tag_ct[128], blocks[32] = {3};
	struct kmp_key aes = {CKK_AES, NULL, key, sizeof(key)};
	CK_GCM_PARAMS gcm = {iv, 12, 96, (unsigned char *)"aad", 3, 128};
	CK_AES_CTR_PARAMS ctr = {128, {0}};
	CK_MECHANISM cbc = {CKM_AES_CBC, iv, sizeof(iv)};
	CK_MECHANISM pad = {CKM_AES_CBC_PAD, iv, sizeof(iv)};
	CK_MECHANISM m_ctr = {CKM_AES_CTR, &ctr, sizeof(ctr)};
	CK_MECHANISM m_gcm = {CKM_AES_GCM, &gcm, sizeof(gcm)};
	CK_ULONG len = sizeof(ct);
	struct kmp_op *op;
	bool keep;

	RAND_bytes(key, sizeof(key));
	RAND_bytes(iv, sizeof(iv));
	assert_int_equal(round_trip(&pad, &aes, msg, sizeof(msg), ct, &len), CKR_OK);
	assert_int_equal(len, 32);
	len = sizeof(ct);
	assert_int_equal(round_trip(&cbc, &aes, blocks, sizeof(blocks), ct, &len),
			 CKR_OK);
	len = sizeof(ct);
	assert_int_equal(round_trip(&cbc, &aes, msg, sizeof(msg), ct, &len),
			 CKR_DATA_LEN_RANGE);
	len = sizeof(ct);
	assert_int_equal(round_trip(&m_ctr, &aes, msg, sizeof(msg), ct, &len), CKR_OK);
	assert_int_equal(len, sizeof(msg));
	len = sizeof(tag_ct);
	assert_int_equal(round_trip(&m_gcm, &aes, msg, sizeof(msg), tag_ct, &len),
			 CKR_OK);
	assert_int_equal(len, sizeof(msg) + 16);
	/* A changed tag: nothing decrypted. */
	tag_ct[len - 1] ^= 1;
	assert_int_equal(kmp_cipher_new(KMP_OP_DECRYPT, &m_gcm, &aes, &op), CKR_OK);
	{
		CK_ULONG out_len = sizeof(ct);
		assert_int_equal(kmp_op_run_single(op, tag_ct, len, ct, &out_len,
						   &keep),
				 CKR_ENCRYPTED_DATA_INVALID);
	}
	kmp_op_free(op);
	/* Bad parameters and key sizes. */
	cbc.ulParameterLen = 8;
	assert_int_equal(kmp_cipher_new(KMP_OP_ENCRYPT, &cbc, &aes, &op),
			 CKR_MECHANISM_PARAM_INVALID);
	gcm.ulTagBits = 20;
	assert_int_equal(kmp_cipher_new(KMP_OP_ENCRYPT, &m_gcm, &aes, &op),
			 CKR_MECHANISM_PARAM_INVALID);
	aes.secret_len = 17;
	assert_int_equal(kmp_cipher_new(KMP_OP_ENCRYPT, &pad, &aes, &op),
			 CKR_KEY_SIZE_RANGE);
}

static void test_multi_part_cbc_pad(void **state)
{
	unsigned char key[16] = {1}, iv[16] = {2}, ct[128], one_shot[128];
	struct kmp_key aes = {CKK_AES, NULL, key, sizeof(key)};
	CK_MECHANISM pad = {CKM_AES_CBC_PAD, iv, sizeof(iv)};
	CK_ULONG len, total = 0, one_len = sizeof(one_shot);
	struct kmp_op *op;
	bool keep;

	assert_int_equal(kmp_cipher_new(KMP_OP_ENCRYPT, &pad, &aes, &op), CKR_OK);
	assert_int_equal(kmp_op_run_single(op, msg, sizeof(msg), one_shot,
					   &one_len, &keep), CKR_OK);
	kmp_op_free(op);
	assert_int_equal(kmp_cipher_new(KMP_OP_ENCRYPT, &pad, &aes, &op), CKR_OK);
	for (size_t i = 0; i < sizeof(msg); i += 5) {
		CK_ULONG n = sizeof(msg) - i < 5 ? sizeof(msg) - i : 5;
		len = sizeof(ct) - total;
		assert_int_equal(kmp_op_run_update(op, msg + i, n, ct + total,
						   &len, &keep), CKR_OK);
		assert_true(keep);
		total += len;
	}
	len = sizeof(ct) - total;
	assert_int_equal(kmp_op_run_final(op, ct + total, &len, &keep), CKR_OK);
	total += len;
	kmp_op_free(op);
	assert_int_equal(total, one_len);
	assert_memory_equal(ct, one_shot, total);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buffer_protocol),
		cmocka_unit_test(test_single_after_update),
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_ecdsa_encoding),
		cmocka_unit_test(test_pss_in_parts),
		cmocka_unit_test(test_rsa_cipher),
		cmocka_unit_test(test_aes),
		cmocka_unit_test(test_multi_part_cbc_pad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
