/*
 * libFuzzer: sequences of PKCS#11 calls (issue 16). The input is a
 * program: each step a byte choosing the call, then bytes choosing its
 * arguments (session, object, mechanism and parameters, template, data,
 * output buffer). The module runs whole, with the Key Manager of
 * fake-km.c in memory: token objects, session objects, session keys.
 *
 * Checked at each step, beyond no crash and no leak (LeakSanitizer at
 * each C_Finalize):
 * - each return value is one v2.40 section 5 lists for the function, or
 *   a deviation docs/conformance.md names;
 * - an output never goes past the length given, a length query's answer
 *   is enough, a buffer too small says CK_UNAVAILABLE_INFORMATION
 *   (attributes) and leaves the operation going;
 * - an operation is active exactly as the spec says: after its Init,
 *   until an error other than CKR_BUFFER_TOO_SMALL, a Final, or a
 *   single-part call that is not a length query;
 * - a key generated here is CKA_LOCAL, one created from a template is
 *   not; an attribute C_SetAttributeValue set reads back as set.
 * A failed check prints what and aborts, which libFuzzer reports.
 */
#include "tests/fuzz/fake-km.h"
#include "tests/fuzz/fixture-keys.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <p11-kit/pkcs11.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list);

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define END ((CK_RV)-1)

static CK_FUNCTION_LIST *f;
static char conf[] = "/tmp/kmp11-fuzz-api-XXXXXX", reserved[128];

static void remove_conf(void) { unlink(conf); }

static void failed(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* ---- the input ---- */

struct input {
	const uint8_t *p;
	size_t n;
};

static uint8_t u8(struct input *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->p++;
}

static size_t pick(struct input *in, size_t n) { return u8(in) % n; }

static CK_ULONG ulong_of(struct input *in)
{
	CK_ULONG v = 0;

	for (int i = 0; i < 4; i++)
		v = v << 8 | u8(in);
	return u8(in) == 0xff ? ~v : v; /* now and then near 2^64 */
}

/* n bytes of the input into buf (zeros past its end). */
static void bytes(struct input *in, void *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((uint8_t *)buf)[i] = u8(in);
}

/* ---- what the fixture gives templates ---- */

static unsigned char cert_der[2048], rsa_parts[8][256], ec_scalar[32],
	ec_point[80], ed_scalar[32];
static size_t cert_len, rsa_len[8], ec_point_len;
static const unsigned char p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48,
				     0xce, 0x3d, 0x03, 0x01, 0x07},
			   p384[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22},
			   p521[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23},
			   ed25519[] = {0x06, 0x03, 0x2b, 0x65, 0x70};
static const CK_ATTRIBUTE_TYPE rsa_types[8] = {
	CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT, CKA_PRIME_1,
	CKA_PRIME_2, CKA_EXPONENT_1, CKA_EXPONENT_2, CKA_COEFFICIENT};

static EVP_PKEY *read_key(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);

	BIO_free(b);
	if (k == NULL)
		failed("fixture key");
	return k;
}

static void load_fixture(void)
{
	static const char *const names[8] = {
		OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E,
		OSSL_PKEY_PARAM_RSA_D, OSSL_PKEY_PARAM_RSA_FACTOR1,
		OSSL_PKEY_PARAM_RSA_FACTOR2, OSSL_PKEY_PARAM_RSA_EXPONENT1,
		OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
	BIO *b = BIO_new_mem_buf(FIXTURE_EC_CERT, -1);
	X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	unsigned char *p = cert_der;
	EVP_PKEY *rsa = read_key(FIXTURE_RSA_KEY), *ec = read_key(FIXTURE_EC_KEY),
		 *ed = read_key(FIXTURE_ED_KEY);
	BIGNUM *bn = NULL;
	size_t len = sizeof(ed_scalar);

	cert_len = (size_t)i2d_X509(x, &p);
	for (int i = 0; i < 8; i++) {
		EVP_PKEY_get_bn_param(rsa, names[i], &bn);
		rsa_len[i] = (size_t)BN_bn2bin(bn, rsa_parts[i]);
	}
	EVP_PKEY_get_bn_param(ec, OSSL_PKEY_PARAM_PRIV_KEY, &bn);
	BN_bn2binpad(bn, ec_scalar, sizeof(ec_scalar));
	/* CKA_EC_POINT: the point in a DER OCTET STRING. */
	EVP_PKEY_get_octet_string_param(ec, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
					ec_point + 2, sizeof(ec_point) - 2,
					&ec_point_len);
	ec_point[0] = 0x04;
	ec_point[1] = (unsigned char)ec_point_len;
	ec_point_len += 2;
	EVP_PKEY_get_raw_private_key(ed, ed_scalar, &len);
	BN_free(bn);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
	EVP_PKEY_free(ed);
	X509_free(x);
	BIO_free(b);
}

/* ---- templates ---- */

#define MAX_ATTRS 16

struct templ {
	CK_ATTRIBUTE a[MAX_ATTRS];
	CK_ULONG n;
	unsigned char store[MAX_ATTRS][64];
	CK_ULONG ulongs[MAX_ATTRS];
	CK_BBOOL bools[MAX_ATTRS];
};

static void add(struct templ *t, CK_ATTRIBUTE_TYPE type, const void *v,
		size_t len)
{
	if (t->n < MAX_ATTRS)
		t->a[t->n++] = (CK_ATTRIBUTE){type, (void *)v, len};
}

static void add_ulong(struct templ *t, CK_ATTRIBUTE_TYPE type, CK_ULONG v)
{
	if (t->n < MAX_ATTRS) {
		t->ulongs[t->n] = v;
		add(t, type, &t->ulongs[t->n], sizeof(CK_ULONG));
	}
}

static void add_bool(struct templ *t, CK_ATTRIBUTE_TYPE type, bool v)
{
	if (t->n < MAX_ATTRS) {
		t->bools[t->n] = v;
		add(t, type, &t->bools[t->n], 1);
	}
}

/* Attributes a caller may give, read or change. */
static const CK_ATTRIBUTE_TYPE bool_types[] = {
	CKA_TOKEN, CKA_PRIVATE, CKA_MODIFIABLE, CKA_COPYABLE, CKA_DESTROYABLE,
	CKA_SENSITIVE, CKA_EXTRACTABLE, CKA_ENCRYPT, CKA_DECRYPT, CKA_SIGN,
	CKA_VERIFY, CKA_DERIVE, CKA_WRAP, CKA_UNWRAP, CKA_LOCAL, CKA_TRUSTED,
	CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE, CKA_ALWAYS_AUTHENTICATE,
	CKA_SIGN_RECOVER, CKA_VERIFY_RECOVER, CKA_WRAP_WITH_TRUSTED};
static const CK_ATTRIBUTE_TYPE ulong_types[] = {
	CKA_CLASS, CKA_KEY_TYPE, CKA_VALUE_LEN, CKA_MODULUS_BITS,
	CKA_CERTIFICATE_TYPE, CKA_CERTIFICATE_CATEGORY, CKA_KEY_GEN_MECHANISM,
	CKA_NAME_HASH_ALGORITHM};
static const CK_ATTRIBUTE_TYPE byte_types[] = {
	CKA_LABEL, CKA_ID, CKA_VALUE, CKA_SUBJECT, CKA_ISSUER,
	CKA_SERIAL_NUMBER, CKA_APPLICATION, CKA_OBJECT_ID, CKA_START_DATE,
	CKA_END_DATE, CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT,
	CKA_PRIME_1, CKA_EC_PARAMS, CKA_EC_POINT, CKA_PUBLIC_KEY_INFO,
	CKA_CHECK_VALUE, CKA_URL, CKA_ALLOWED_MECHANISMS, CKA_VENDOR_DEFINED};

/* One attribute of any kind, its value from the input. */
static void add_any(struct input *in, struct templ *t)
{
	size_t i = t->n, len;

	if (i >= MAX_ATTRS)
		return;
	switch (pick(in, 3)) {
	case 0:
		add_bool(t, bool_types[pick(in, N(bool_types))], u8(in) & 1);
		break;
	case 1:
		add_ulong(t, ulong_types[pick(in, N(ulong_types))],
			  u8(in) < 200 ? u8(in) : ulong_of(in));
		break;
	default:
		len = pick(in, sizeof(t->store[0]) + 1);
		bytes(in, t->store[i], len);
		add(t, byte_types[pick(in, N(byte_types))], t->store[i], len);
	}
}

static void add_some(struct input *in, struct templ *t)
{
	for (size_t k = pick(in, 4); k > 0; k--)
		add_any(in, t);
}

/* An object whole: what C_CreateObject needs for one of each class. */
static void object_template(struct input *in, struct templ *t)
{
	static unsigned char secret[32];
	size_t len;

	add_bool(t, CKA_TOKEN, false);
	switch (pick(in, 8)) {
	case 0:
		add_ulong(t, CKA_CLASS, CKO_DATA);
		add(t, CKA_VALUE, "data", 4);
		break;
	case 1:
	case 2:
		len = (size_t[]){16, 24, 32, 20}[pick(in, 4)];
		bytes(in, secret, len);
		add_ulong(t, CKA_CLASS, CKO_SECRET_KEY);
		add_ulong(t, CKA_KEY_TYPE, len == 20 ? CKK_GENERIC_SECRET : CKK_AES);
		add(t, CKA_VALUE, secret, len);
		break;
	case 3:
		add_ulong(t, CKA_CLASS, CKO_CERTIFICATE);
		add_ulong(t, CKA_CERTIFICATE_TYPE, CKC_X_509);
		add(t, CKA_VALUE, cert_der, cert_len);
		break;
	case 4:
		add_ulong(t, CKA_CLASS, CKO_PRIVATE_KEY);
		add_ulong(t, CKA_KEY_TYPE, CKK_EC);
		add(t, CKA_EC_PARAMS, p256, sizeof(p256));
		add(t, CKA_VALUE, ec_scalar, sizeof(ec_scalar));
		break;
	case 5:
		add_ulong(t, CKA_CLASS, CKO_PUBLIC_KEY);
		add_ulong(t, CKA_KEY_TYPE, CKK_EC);
		add(t, CKA_EC_PARAMS, p256, sizeof(p256));
		add(t, CKA_EC_POINT, ec_point, ec_point_len);
		break;
	case 6:
		add_ulong(t, CKA_CLASS, u8(in) & 1 ? CKO_PRIVATE_KEY : CKO_PUBLIC_KEY);
		add_ulong(t, CKA_KEY_TYPE, CKK_RSA);
		for (int i = 0; i < (t->ulongs[1] == CKO_PRIVATE_KEY ? 8 : 2); i++)
			add(t, rsa_types[i], rsa_parts[i], rsa_len[i]);
		break;
	default:
		add_ulong(t, CKA_CLASS, CKO_PRIVATE_KEY);
		add_ulong(t, CKA_KEY_TYPE, CKK_EC_EDWARDS);
		add(t, CKA_EC_PARAMS, ed25519, sizeof(ed25519));
		add(t, CKA_VALUE, ed_scalar, sizeof(ed_scalar));
	}
	add_some(in, t);
}

/* ---- return values v2.40 section 5 lists, by function ---- */

#define GENERAL                                                                \
	CKR_OK, CKR_CRYPTOKI_NOT_INITIALIZED, CKR_FUNCTION_FAILED,             \
		CKR_GENERAL_ERROR, CKR_HOST_MEMORY, CKR_ARGUMENTS_BAD,         \
		CKR_DEVICE_ERROR, CKR_DEVICE_MEMORY, CKR_DEVICE_REMOVED,       \
		CKR_SESSION_CLOSED, CKR_SESSION_HANDLE_INVALID,                \
		CKR_FUNCTION_CANCELED
#define INIT                                                                   \
	GENERAL, CKR_KEY_FUNCTION_NOT_PERMITTED, CKR_KEY_HANDLE_INVALID,       \
		CKR_KEY_SIZE_RANGE, CKR_KEY_TYPE_INCONSISTENT,                 \
		CKR_MECHANISM_INVALID, CKR_MECHANISM_PARAM_INVALID,            \
		CKR_OPERATION_ACTIVE, CKR_PIN_EXPIRED, CKR_USER_NOT_LOGGED_IN
/* C_Sign, C_Encrypt... after an Update; C_*Update and C_*Final of a
 * single-part mechanism are CKR_FUNCTION_NOT_SUPPORTED: both in
 * docs/conformance.md. */
#define SINGLE_AFTER_UPDATE CKR_OPERATION_NOT_INITIALIZED
#define OBJECT_WRITE                                                           \
	CKR_ATTRIBUTE_READ_ONLY, CKR_ATTRIBUTE_TYPE_INVALID,                   \
		CKR_ATTRIBUTE_VALUE_INVALID, CKR_CURVE_NOT_SUPPORTED,          \
		CKR_DOMAIN_PARAMS_INVALID, CKR_PIN_EXPIRED,                    \
		CKR_SESSION_READ_ONLY, CKR_TEMPLATE_INCOMPLETE,                \
		CKR_TEMPLATE_INCONSISTENT, CKR_TOKEN_WRITE_PROTECTED,          \
		CKR_USER_NOT_LOGGED_IN
#define KEY_MAKING                                                             \
	OBJECT_WRITE, CKR_MECHANISM_INVALID, CKR_MECHANISM_PARAM_INVALID,      \
		CKR_OPERATION_ACTIVE

static const CK_RV rv_open[] = {GENERAL, CKR_SLOT_ID_INVALID,
				CKR_TOKEN_NOT_PRESENT, CKR_SESSION_COUNT,
				CKR_SESSION_PARALLEL_NOT_SUPPORTED,
				CKR_SESSION_READ_WRITE_SO_EXISTS,
				CKR_TOKEN_WRITE_PROTECTED, END},
		   rv_close_all[] = {GENERAL, CKR_SLOT_ID_INVALID,
				     CKR_TOKEN_NOT_PRESENT, END},
		   rv_session[] = {GENERAL, END},
		   rv_login[] = {GENERAL, CKR_OPERATION_NOT_INITIALIZED,
				 CKR_PIN_INCORRECT, CKR_PIN_EXPIRED, CKR_PIN_LOCKED,
				 CKR_SESSION_READ_ONLY_EXISTS,
				 CKR_USER_ALREADY_LOGGED_IN,
				 CKR_USER_ANOTHER_ALREADY_LOGGED_IN,
				 CKR_USER_PIN_NOT_INITIALIZED,
				 CKR_USER_TOO_MANY_TYPES, CKR_USER_TYPE_INVALID,
				 END},
		   rv_logout[] = {GENERAL, CKR_USER_NOT_LOGGED_IN, END},
		   rv_create[] = {GENERAL, OBJECT_WRITE, CKR_ACTION_PROHIBITED, END},
		   rv_copy[] = {GENERAL, OBJECT_WRITE, CKR_ACTION_PROHIBITED,
				CKR_OBJECT_HANDLE_INVALID, END},
		   rv_destroy[] = {GENERAL, CKR_ACTION_PROHIBITED,
				   CKR_OBJECT_HANDLE_INVALID, CKR_PIN_EXPIRED,
				   CKR_SESSION_READ_ONLY,
				   CKR_TOKEN_WRITE_PROTECTED, END},
		   rv_size[] = {GENERAL, CKR_INFORMATION_SENSITIVE,
				CKR_OBJECT_HANDLE_INVALID, END},
		   rv_get[] = {GENERAL, CKR_ATTRIBUTE_SENSITIVE,
			       CKR_ATTRIBUTE_TYPE_INVALID, CKR_BUFFER_TOO_SMALL,
			       CKR_OBJECT_HANDLE_INVALID, END},
		   rv_set[] = {GENERAL, OBJECT_WRITE, CKR_ACTION_PROHIBITED,
			       CKR_OBJECT_HANDLE_INVALID, END},
		   rv_find_init[] = {GENERAL, CKR_ATTRIBUTE_TYPE_INVALID,
				     CKR_ATTRIBUTE_VALUE_INVALID,
				     CKR_OPERATION_ACTIVE, CKR_PIN_EXPIRED, END},
		   rv_find[] = {GENERAL, CKR_OPERATION_NOT_INITIALIZED, END},
		   rv_init[] = {INIT, END},
		   rv_digest_init[] = {GENERAL, CKR_MECHANISM_INVALID,
				       CKR_MECHANISM_PARAM_INVALID,
				       CKR_OPERATION_ACTIVE, CKR_PIN_EXPIRED,
				       CKR_USER_NOT_LOGGED_IN, END},
		   rv_digest_key[] = {GENERAL, CKR_KEY_HANDLE_INVALID,
				      CKR_KEY_INDIGESTIBLE, CKR_KEY_SIZE_RANGE,
				      CKR_OPERATION_NOT_INITIALIZED, END},
		   rv_generate[] = {GENERAL, KEY_MAKING, END},
		   rv_derive[] = {GENERAL, KEY_MAKING, CKR_KEY_HANDLE_INVALID,
				  CKR_KEY_SIZE_RANGE, CKR_KEY_TYPE_INCONSISTENT,
				  CKR_KEY_FUNCTION_NOT_PERMITTED, END},
		   rv_random[] = {GENERAL, CKR_OPERATION_ACTIVE,
				  CKR_RANDOM_NO_RNG, CKR_USER_NOT_LOGGED_IN, END};

/* What an operation's calls after its Init may answer, by kind. */
static const CK_RV rv_run[][24] = {
	/* encrypt */
	{GENERAL, CKR_BUFFER_TOO_SMALL, CKR_DATA_INVALID, CKR_DATA_LEN_RANGE,
	 CKR_OPERATION_NOT_INITIALIZED, CKR_FUNCTION_NOT_SUPPORTED,
	 SINGLE_AFTER_UPDATE, END},
	/* decrypt */
	{GENERAL, CKR_BUFFER_TOO_SMALL, CKR_ENCRYPTED_DATA_INVALID,
	 CKR_ENCRYPTED_DATA_LEN_RANGE, CKR_OPERATION_NOT_INITIALIZED,
	 CKR_USER_NOT_LOGGED_IN, CKR_FUNCTION_NOT_SUPPORTED,
	 SINGLE_AFTER_UPDATE, END},
	/* sign */
	{GENERAL, CKR_BUFFER_TOO_SMALL, CKR_DATA_INVALID, CKR_DATA_LEN_RANGE,
	 CKR_OPERATION_NOT_INITIALIZED, CKR_USER_NOT_LOGGED_IN,
	 CKR_FUNCTION_REJECTED, CKR_FUNCTION_NOT_SUPPORTED, SINGLE_AFTER_UPDATE,
	 END},
	/* verify */
	{GENERAL, CKR_DATA_INVALID, CKR_DATA_LEN_RANGE,
	 CKR_OPERATION_NOT_INITIALIZED, CKR_SIGNATURE_INVALID,
	 CKR_SIGNATURE_LEN_RANGE, CKR_FUNCTION_NOT_SUPPORTED, SINGLE_AFTER_UPDATE,
	 END},
	/* digest */
	{GENERAL, CKR_BUFFER_TOO_SMALL, CKR_OPERATION_NOT_INITIALIZED,
	 SINGLE_AFTER_UPDATE, END},
};

/* FUZZ_API_TRACE set: each call and its answer on stderr, to read what
 * an input does. */
static bool trace;

static void expect_in(const char *call, CK_RV rv, const CK_RV *allowed)
{
	if (trace)
		fprintf(stderr, "%s: 0x%lx\n", call, rv);
	for (; *allowed != END; allowed++)
		if (*allowed == rv)
			return;
	failed("%s: 0x%lx is not a return value of the function", call, rv);
}

/* ---- the model: sessions, their operations, objects ---- */

enum kind { ENCRYPT, DECRYPT, SIGN, VERIFY, DIGEST, KINDS };
static const char *const kind_names[] = {"Encrypt", "Decrypt", "Sign",
					 "Verify", "Digest"};
enum state { OFF, ON, UNKNOWN };

struct session {
	CK_SESSION_HANDLE h; /* 0: none */
	CK_SLOT_ID slot;
	enum state op[KINDS], find;
	bool updated[KINDS];
};

#define SESSIONS 4
#define OBJECTS 32

static struct {
	CK_SLOT_ID slots[4];
	CK_ULONG n_slots;
	struct session s[SESSIONS];
	CK_OBJECT_HANDLE o[OBJECTS];
	size_t n_o;
	bool rsa_made; /* one RSA key pair per input: it takes time */
} m;

static unsigned char out[8192];
#define CANARY 0xa5

static struct session *some_session(struct input *in)
{
	return &m.s[pick(in, SESSIONS)];
}

static void remember(CK_OBJECT_HANDLE h)
{
	m.o[m.n_o++ % OBJECTS] = h;
}

static CK_OBJECT_HANDLE some_object(struct input *in)
{
	size_t i = pick(in, OBJECTS + 4);

	if (i < OBJECTS && i < m.n_o)
		return m.o[i];
	return (CK_OBJECT_HANDLE[]){0, 1, 0x80000001, ulong_of(in)}[i % 4];
}

static void forget(struct session *s) { memset(s, 0, sizeof(*s)); }

/* After a C_Logout, or whatever may have dropped private keys. */
static void unsure(CK_SLOT_ID slot)
{
	for (int i = 0; i < SESSIONS; i++)
		if (m.s[i].h != 0 && m.s[i].slot == slot) {
			for (int k = 0; k < KINDS; k++)
				if (m.s[i].op[k] == ON)
					m.s[i].op[k] = UNKNOWN;
			if (m.s[i].find == ON)
				m.s[i].find = UNKNOWN;
		}
}

/* The answer of a call with an operation of kind k going or not. */
static void check_state(const char *call, enum state st, CK_RV rv)
{
	if (st == OFF && rv != CKR_OPERATION_NOT_INITIALIZED)
		failed("%s with no operation: 0x%lx", call, rv);
	if (st == ON && rv == CKR_OPERATION_NOT_INITIALIZED)
		failed("%s: the operation ended before", call);
}

/* Whether the operation goes on after a call that answered rv; query:
 * a length query, last: a single-part or final call. */
static enum state after(CK_RV rv, bool query, bool last)
{
	if (rv == CKR_BUFFER_TOO_SMALL || (rv == CKR_OK && (query || !last)))
		return ON;
	return OFF;
}

/* ---- output buffers ---- */

struct output {
	CK_BYTE_PTR buf;
	CK_ULONG len, given;
};

/* mode 0: a length query; else a buffer of a length from the input. */
static void output_for(struct input *in, struct output *o)
{
	memset(out, CANARY, sizeof(out));
	if (pick(in, 3) == 0) {
		o->buf = NULL;
		o->len = o->given = 0;
	} else {
		o->buf = out;
		o->len = o->given = u8(in) < 128 ? pick(in, 64) : 64 + u8(in) * 4;
	}
}

static void check_output(const char *call, CK_RV rv, const struct output *o)
{
	if (o->buf == NULL)
		return;
	for (size_t i = o->given; i < sizeof(out); i++)
		if (out[i] != CANARY)
			failed("%s: wrote byte %zu past a buffer of %lu", call, i,
			       o->given);
	if (rv == CKR_OK && o->len > o->given)
		failed("%s: says %lu bytes in a buffer of %lu", call, o->len,
		       o->given);
}

/* ---- mechanisms ---- */

static const CK_MECHANISM_TYPE mechanisms[] = {
	CKM_RSA_PKCS, CKM_RSA_X_509, CKM_RSA_PKCS_PSS, CKM_RSA_PKCS_OAEP,
	CKM_SHA1_RSA_PKCS, CKM_SHA256_RSA_PKCS, CKM_SHA512_RSA_PKCS,
	CKM_SHA256_RSA_PKCS_PSS, CKM_SHA384_RSA_PKCS_PSS, CKM_ECDSA,
	CKM_ECDSA_SHA1, CKM_ECDSA_SHA256, CKM_ECDSA_SHA512, CKM_EDDSA,
	CKM_SHA_1_HMAC, CKM_SHA256_HMAC, CKM_SHA512_HMAC, CKM_AES_ECB,
	CKM_AES_CBC, CKM_AES_CBC_PAD, CKM_AES_CTR, CKM_AES_GCM, CKM_SHA_1,
	CKM_SHA256, CKM_SHA384, CKM_SHA512, CKM_ECDH1_DERIVE,
	CKM_AES_KEY_GEN, CKM_DES3_CBC, CKM_VENDOR_DEFINED};

static const CK_MECHANISM_TYPE hashes[] = {CKM_SHA_1, CKM_SHA256, CKM_SHA384,
					   CKM_SHA512, CKM_MD5};
static const CK_RSA_PKCS_MGF_TYPE mgfs[] = {CKG_MGF1_SHA1, CKG_MGF1_SHA256,
					    CKG_MGF1_SHA384, CKG_MGF1_SHA512, 0};

/* A mechanism and its parameter: in a buffer of exactly the length
 * given (which may be wrong), so that a read past it is seen. */
struct mechanism {
	CK_MECHANISM m;
	union {
		CK_RSA_PKCS_PSS_PARAMS pss;
		CK_RSA_PKCS_OAEP_PARAMS oaep;
		CK_GCM_PARAMS gcm;
		CK_AES_CTR_PARAMS ctr;
		unsigned char iv[32];
	} p;
	unsigned char iv[32], aad[32];
	void *param;
};

static size_t param_for(struct input *in, struct mechanism *x)
{
	switch (x->m.mechanism) {
	case CKM_RSA_PKCS_PSS:
	case CKM_SHA256_RSA_PKCS_PSS:
	case CKM_SHA384_RSA_PKCS_PSS:
		x->p.pss = (CK_RSA_PKCS_PSS_PARAMS){
			hashes[pick(in, N(hashes))], mgfs[pick(in, N(mgfs))],
			u8(in) < 240 ? pick(in, 80) : ulong_of(in)};
		return sizeof(x->p.pss);
	case CKM_RSA_PKCS_OAEP:
		bytes(in, x->aad, sizeof(x->aad));
		x->p.oaep = (CK_RSA_PKCS_OAEP_PARAMS){
			hashes[pick(in, N(hashes))], mgfs[pick(in, N(mgfs))],
			pick(in, 2) ? CKZ_DATA_SPECIFIED : 0,
			pick(in, 2) ? x->aad : NULL, pick(in, sizeof(x->aad))};
		return sizeof(x->p.oaep);
	case CKM_AES_GCM:
		bytes(in, x->iv, sizeof(x->iv));
		x->p.gcm = (CK_GCM_PARAMS){
			x->iv, u8(in) < 200 ? 12 : pick(in, sizeof(x->iv) + 1),
			u8(in) < 200 ? 96 : ulong_of(in), x->aad,
			pick(in, sizeof(x->aad) + 1),
			(CK_ULONG[]){128, 96, 0, 129, 256}[pick(in, 5)]};
		return sizeof(x->p.gcm);
	case CKM_AES_CTR:
		x->p.ctr.ulCounterBits = u8(in) < 200 ? 128 : pick(in, 140);
		bytes(in, x->p.ctr.cb, sizeof(x->p.ctr.cb));
		return sizeof(x->p.ctr);
	case CKM_AES_CBC:
	case CKM_AES_CBC_PAD:
		bytes(in, x->p.iv, sizeof(x->p.iv));
		return u8(in) < 220 ? 16 : pick(in, sizeof(x->p.iv) + 1);
	default:
		return 0;
	}
}

static void mechanism_for(struct input *in, struct mechanism *x)
{
	size_t len;

	memset(x, 0, sizeof(*x));
	x->m.mechanism = mechanisms[pick(in, N(mechanisms))];
	len = param_for(in, x);
	/* Now and then a parameter of the wrong length. */
	if (len > 0 && u8(in) > 240)
		len = pick(in, (uint8_t)len + 8);
	if (len > 0 && (x->param = malloc(len)) != NULL) {
		memcpy(x->param, &x->p, len < sizeof(x->p) ? len : sizeof(x->p));
		x->m.pParameter = x->param;
		x->m.ulParameterLen = len;
	}
}

/* ---- the steps ---- */

static void open_session(struct input *in)
{
	struct session *s = some_session(in);
	CK_SLOT_ID slot = m.slots[pick(in, m.n_slots)];
	CK_FLAGS flags = CKF_SERIAL_SESSION | (u8(in) & 1 ? CKF_RW_SESSION : 0);
	CK_SESSION_HANDLE h = 0;
	CK_RV rv = f->C_OpenSession(slot, flags, NULL, NULL, &h);

	expect_in("C_OpenSession", rv, rv_open);
	if (rv == CKR_OK && s->h != 0)
		f->C_CloseSession(s->h);
	if (rv == CKR_OK) {
		forget(s);
		s->h = h;
		s->slot = slot;
	}
}

static void close_session(struct input *in)
{
	struct session *s = some_session(in);
	CK_RV rv = f->C_CloseSession(s->h);

	expect_in("C_CloseSession", rv, rv_session);
	if ((rv == CKR_OK) != (s->h != 0))
		failed("C_CloseSession of session %lu: 0x%lx", s->h, rv);
	forget(s);
}

static void close_all(struct input *in)
{
	CK_SLOT_ID slot = m.slots[pick(in, m.n_slots)];
	CK_RV rv = f->C_CloseAllSessions(slot);

	expect_in("C_CloseAllSessions", rv, rv_close_all);
	for (int i = 0; rv == CKR_OK && i < SESSIONS; i++)
		if (m.s[i].slot == slot)
			forget(&m.s[i]);
}

static void login(struct input *in)
{
	struct session *s = some_session(in);
	const char *pin = u8(in) & 1 ? FAKE_KM_PIN : "wrong";
	CK_RV rv = f->C_Login(s->h, pick(in, 4) ? CKU_USER : CKU_SO,
			      (CK_UTF8CHAR_PTR)pin, strlen(pin));

	expect_in("C_Login", rv, rv_login);
}

static void logout(struct input *in)
{
	struct session *s = some_session(in);
	CK_RV rv = f->C_Logout(s->h);

	expect_in("C_Logout", rv, rv_logout);
	if (rv == CKR_OK)
		unsure(s->slot);
}

static void find(struct input *in)
{
	struct session *s = some_session(in);
	struct templ t = {0};
	CK_OBJECT_HANDLE found[8];
	CK_ULONG max = pick(in, 9), n = 99;
	CK_RV rv;

	add_some(in, &t);
	rv = f->C_FindObjectsInit(s->h, t.a, t.n);
	expect_in("C_FindObjectsInit", rv, rv_find_init);
	if (s->h != 0 && s->find == ON && rv != CKR_OPERATION_ACTIVE)
		failed("C_FindObjectsInit during a search: 0x%lx", rv);
	if (rv == CKR_OK)
		s->find = ON;
	rv = f->C_FindObjects(s->h, found, max, &n);
	expect_in("C_FindObjects", rv, rv_find);
	if (s->h != 0)
		check_state("C_FindObjects", s->find, rv);
	if (rv == CKR_OK && n > max)
		failed("C_FindObjects: %lu found for %lu", n, max);
	for (CK_ULONG i = 0; rv == CKR_OK && i < n; i++)
		remember(found[i]);
	if (u8(in) & 1) {
		rv = f->C_FindObjectsFinal(s->h);
		expect_in("C_FindObjectsFinal", rv, rv_find);
		if (s->h != 0)
			check_state("C_FindObjectsFinal", s->find, rv);
		s->find = OFF;
	}
}

static CK_RV get_one(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o,
		     CK_ATTRIBUTE_TYPE type, void *buf, CK_ULONG *len)
{
	CK_ATTRIBUTE a = {type, buf, *len};
	CK_RV rv = f->C_GetAttributeValue(h, o, &a, 1);

	expect_in("C_GetAttributeValue", rv, rv_get);
	if ((rv == CKR_ATTRIBUTE_SENSITIVE || rv == CKR_ATTRIBUTE_TYPE_INVALID ||
	     rv == CKR_BUFFER_TOO_SMALL) &&
	    a.ulValueLen != CK_UNAVAILABLE_INFORMATION)
		failed("C_GetAttributeValue(0x%lx): 0x%lx, length %lu", type, rv,
		       a.ulValueLen);
	*len = a.ulValueLen;
	return rv;
}

static CK_ATTRIBUTE_TYPE some_type(struct input *in)
{
	switch (pick(in, 3)) {
	case 0:
		return bool_types[pick(in, N(bool_types))];
	case 1:
		return ulong_types[pick(in, N(ulong_types))];
	default:
		return byte_types[pick(in, N(byte_types))];
	}
}

/* A length query, then a buffer of that length, or of the input's. */
static void get_attribute(struct input *in)
{
	struct session *s = some_session(in);
	CK_OBJECT_HANDLE o = some_object(in);
	CK_ATTRIBUTE_TYPE type = some_type(in);
	struct output b;
	CK_RV rv;

	output_for(in, &b);
	rv = get_one(s->h, o, type, b.buf, &b.len);
	check_output("C_GetAttributeValue", rv, &b);
	if (b.buf != NULL || rv != CKR_OK)
		return;
	b.buf = out;
	b.given = b.len;
	rv = get_one(s->h, o, type, b.buf, &b.len);
	if (rv != CKR_OK)
		failed("C_GetAttributeValue(0x%lx) of the length it said: 0x%lx",
		       type, rv);
	check_output("C_GetAttributeValue", rv, &b);
	if (b.len != b.given)
		failed("C_GetAttributeValue(0x%lx): said %lu, gave %lu", type,
		       b.given, b.len);
}

/* What is set reads back as set, when it can be read. */
static void set_attribute(struct input *in)
{
	struct session *s = some_session(in);
	CK_OBJECT_HANDLE o = some_object(in);
	struct templ t = {0};
	unsigned char back[64];
	CK_ULONG len = sizeof(back);
	CK_RV rv;

	add_any(in, &t);
	rv = f->C_SetAttributeValue(s->h, o, t.a, t.n);
	expect_in("C_SetAttributeValue", rv, rv_set);
	if (rv == CKR_OK &&
	    get_one(s->h, o, t.a[0].type, back, &len) == CKR_OK &&
	    (len != t.a[0].ulValueLen || memcmp(back, t.a[0].pValue, len) != 0))
		failed("C_SetAttributeValue(0x%lx) reads back otherwise",
		       t.a[0].type);
}

/* CKA_LOCAL: TRUE for a key generated here, FALSE for one given. */
static void check_local(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, bool local)
{
	CK_BBOOL v = CK_FALSE;
	CK_ULONG len = 1;
	CK_OBJECT_CLASS c = CKO_DATA;
	CK_ULONG clen = sizeof(c);

	if (get_one(h, o, CKA_CLASS, &c, &clen) != CKR_OK || c == CKO_DATA ||
	    c == CKO_CERTIFICATE)
		return;
	if (get_one(h, o, CKA_LOCAL, &v, &len) != CKR_OK || v != local)
		failed("CKA_LOCAL of a key %s is not %s",
		       local ? "generated" : "created", local ? "TRUE" : "FALSE");
}

static void create(struct input *in)
{
	struct session *s = some_session(in);
	struct templ t = {0};
	CK_OBJECT_HANDLE h = 0;
	CK_RV rv;

	object_template(in, &t);
	rv = f->C_CreateObject(s->h, t.a, t.n, &h);
	expect_in("C_CreateObject", rv, rv_create);
	if (rv == CKR_OK) {
		remember(h);
		check_local(s->h, h, false);
	}
}

static void copy(struct input *in)
{
	struct session *s = some_session(in);
	struct templ t = {0};
	CK_OBJECT_HANDLE h = 0, o = some_object(in);
	CK_RV rv;

	add_some(in, &t);
	rv = f->C_CopyObject(s->h, o, t.a, t.n, &h);
	expect_in("C_CopyObject", rv, rv_copy);
	if (rv == CKR_OK)
		remember(h);
}

static void destroy(struct input *in)
{
	struct session *s = some_session(in);
	CK_RV rv = f->C_DestroyObject(s->h, some_object(in));

	expect_in("C_DestroyObject", rv, rv_destroy);
}

static void object_size(struct input *in)
{
	struct session *s = some_session(in);
	CK_ULONG size;
	CK_RV rv = f->C_GetObjectSize(s->h, some_object(in), &size);

	expect_in("C_GetObjectSize", rv, rv_size);
}

static void generate_key(struct input *in)
{
	struct session *s = some_session(in);
	CK_MECHANISM mech = {u8(in) & 1 ? CKM_AES_KEY_GEN : CKM_GENERIC_SECRET_KEY_GEN,
			     NULL, 0};
	struct templ t = {0};
	CK_OBJECT_HANDLE h = 0;
	CK_RV rv;

	add_bool(&t, CKA_TOKEN, u8(in) > 250);
	add_ulong(&t, CKA_VALUE_LEN, (CK_ULONG[]){16, 24, 32, 64, 0, 7}[pick(in, 6)]);
	add_some(in, &t);
	rv = f->C_GenerateKey(s->h, &mech, t.a, t.n, &h);
	expect_in("C_GenerateKey", rv, rv_generate);
	if (rv == CKR_OK) {
		remember(h);
		check_local(s->h, h, true);
	}
}

static void generate_pair(struct input *in)
{
	static const CK_ULONG bits = 1024;
	struct session *s = some_session(in);
	CK_MECHANISM mech = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
	struct templ pub = {0}, priv = {0};
	CK_OBJECT_HANDLE hpub = 0, hpriv = 0;
	CK_RV rv;

	switch (pick(in, 5)) {
	case 0:
		add(&pub, CKA_EC_PARAMS, p384, sizeof(p384));
		break;
	case 1:
		add(&pub, CKA_EC_PARAMS, p521, sizeof(p521));
		break;
	case 2:
		mech.mechanism = CKM_EC_EDWARDS_KEY_PAIR_GEN;
		add(&pub, CKA_EC_PARAMS, ed25519, sizeof(ed25519));
		break;
	case 3:
		if (!m.rsa_made) {
			m.rsa_made = true;
			mech.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
			add(&pub, CKA_MODULUS_BITS, &bits, sizeof(bits));
			break;
		}
		/* fall through */
	default:
		add(&pub, CKA_EC_PARAMS, p256, sizeof(p256));
	}
	add_bool(&pub, CKA_TOKEN, u8(in) > 250);
	add_some(in, &pub);
	add_some(in, &priv);
	rv = f->C_GenerateKeyPair(s->h, &mech, pub.a, pub.n, priv.a, priv.n,
				  &hpub, &hpriv);
	expect_in("C_GenerateKeyPair", rv, rv_generate);
	if (rv == CKR_OK) {
		remember(hpub);
		remember(hpriv);
		check_local(s->h, hpub, true);
		check_local(s->h, hpriv, true);
	}
}

static void derive(struct input *in)
{
	struct session *s = some_session(in);
	CK_ECDH1_DERIVE_PARAMS p = {CKD_NULL, 0, NULL, ec_point_len - 2,
				    ec_point + 2};
	CK_MECHANISM mech = {CKM_ECDH1_DERIVE, &p, sizeof(p)};
	struct templ t = {0};
	CK_OBJECT_HANDLE h = 0;
	CK_RV rv;

	if (u8(in) & 1)
		p.ulPublicDataLen = pick(in, ec_point_len - 1);
	add_ulong(&t, CKA_CLASS, CKO_SECRET_KEY);
	add_ulong(&t, CKA_KEY_TYPE, CKK_GENERIC_SECRET);
	add_some(in, &t);
	rv = f->C_DeriveKey(s->h, &mech, some_object(in), t.a, t.n, &h);
	expect_in("C_DeriveKey", rv, rv_derive);
	if (rv == CKR_OK)
		remember(h);
}

static void random_bytes(struct input *in)
{
	struct session *s = some_session(in);
	CK_ULONG len = pick(in, 65);
	CK_RV rv;

	memset(out, CANARY, sizeof(out));
	rv = f->C_GenerateRandom(s->h, out, len);
	expect_in("C_GenerateRandom", rv, rv_random);
	check_output("C_GenerateRandom", rv, &(struct output){out, len, len});
}

/* ---- operations ---- */

static void op_init(struct input *in)
{
	struct session *s = some_session(in);
	enum kind k = pick(in, KINDS);
	struct mechanism x;
	CK_OBJECT_HANDLE key = some_object(in);
	char call[40];
	CK_RV rv;

	mechanism_for(in, &x);
	switch (k) {
	case ENCRYPT:
		rv = f->C_EncryptInit(s->h, &x.m, key);
		break;
	case DECRYPT:
		rv = f->C_DecryptInit(s->h, &x.m, key);
		break;
	case SIGN:
		rv = f->C_SignInit(s->h, &x.m, key);
		break;
	case VERIFY:
		rv = f->C_VerifyInit(s->h, &x.m, key);
		break;
	default:
		rv = f->C_DigestInit(s->h, &x.m);
	}
	free(x.param);
	snprintf(call, sizeof(call), "C_%sInit", kind_names[k]);
	expect_in(call, rv, k == DIGEST ? rv_digest_init : rv_init);
	if (s->h == 0)
		return;
	if (s->op[k] == ON && rv != CKR_OPERATION_ACTIVE)
		failed("%s during one: 0x%lx", call, rv);
	if (rv == CKR_OK) {
		s->op[k] = ON;
		s->updated[k] = false;
	}
}

/* One call of an operation going on: single-part, update or final. */
enum part { SINGLE, UPDATE, FINAL };

static CK_RV run(CK_SESSION_HANDLE h, enum kind k, enum part part,
		 CK_BYTE_PTR data, CK_ULONG len, struct output *o)
{
	switch (k * 3 + part) {
	case ENCRYPT * 3 + SINGLE:
		return f->C_Encrypt(h, data, len, o->buf, &o->len);
	case ENCRYPT * 3 + UPDATE:
		return f->C_EncryptUpdate(h, data, len, o->buf, &o->len);
	case ENCRYPT * 3 + FINAL:
		return f->C_EncryptFinal(h, o->buf, &o->len);
	case DECRYPT * 3 + SINGLE:
		return f->C_Decrypt(h, data, len, o->buf, &o->len);
	case DECRYPT * 3 + UPDATE:
		return f->C_DecryptUpdate(h, data, len, o->buf, &o->len);
	case DECRYPT * 3 + FINAL:
		return f->C_DecryptFinal(h, o->buf, &o->len);
	case SIGN * 3 + SINGLE:
		return f->C_Sign(h, data, len, o->buf, &o->len);
	case SIGN * 3 + UPDATE:
		return f->C_SignUpdate(h, data, len);
	case SIGN * 3 + FINAL:
		return f->C_SignFinal(h, o->buf, &o->len);
	/* Verify: the signature is the input's, of the length given. */
	case VERIFY * 3 + SINGLE:
		return f->C_Verify(h, data, len, out, o->given);
	case VERIFY * 3 + UPDATE:
		return f->C_VerifyUpdate(h, data, len);
	case VERIFY * 3 + FINAL:
		return f->C_VerifyFinal(h, out, o->given);
	case DIGEST * 3 + SINGLE:
		return f->C_Digest(h, data, len, o->buf, &o->len);
	case DIGEST * 3 + UPDATE:
		return f->C_DigestUpdate(h, data, len);
	default:
		return f->C_DigestFinal(h, o->buf, &o->len);
	}
}

static bool has_output(enum kind k, enum part part)
{
	return k != VERIFY && (part != UPDATE || k <= DECRYPT);
}

static void op_call(struct input *in)
{
	static const char *const parts[] = {"", "Update", "Final"};
	struct session *s = some_session(in);
	enum kind k = pick(in, KINDS);
	enum part part = pick(in, 3);
	unsigned char data[512];
	CK_ULONG len = u8(in) < 200 ? pick(in, 65) : pick(in, sizeof(data) + 1);
	struct output o;
	char call[40];
	bool query, query_then_buffer = u8(in) < 64;
	enum state before = s->op[k];
	CK_RV rv;

	bytes(in, data, len);
	output_for(in, &o);
	if (!has_output(k, part) && o.buf == NULL) /* nothing to ask */
		o = (struct output){out, 0, 0};
	if (k == VERIFY && o.buf != NULL) /* the signature to check */
		bytes(in, out, o.given);
	snprintf(call, sizeof(call), "C_%s%s", kind_names[k], parts[part]);
	query = has_output(k, part) && o.buf == NULL;
	rv = run(s->h, k, part, data, len, &o);
	expect_in(call, rv, rv_run[k]);
	check_output(call, rv, &o);
	if (s->h == 0)
		return;
	if (part == SINGLE && s->updated[k] && before == ON) {
		/* Not the call of an operation in parts; it ends it. */
		if (rv != SINGLE_AFTER_UPDATE)
			failed("%s after an Update: 0x%lx", call, rv);
		s->op[k] = OFF;
		return;
	}
	check_state(call, before, rv);
	if (before == OFF || rv == CKR_OPERATION_NOT_INITIALIZED) {
		s->op[k] = OFF;
		return;
	}
	s->op[k] = after(rv, query, part != UPDATE);
	/* A length query processes nothing: single-part calls still go. */
	s->updated[k] |= part == UPDATE && rv == CKR_OK && !query;
	if (!query || rv != CKR_OK || !query_then_buffer)
		return;
	/* The length it said is enough, for the same input. */
	memset(out, CANARY, sizeof(out));
	o.buf = out;
	o.given = o.len;
	if (o.given > sizeof(out))
		failed("%s: a length query says %lu", call, o.given);
	rv = run(s->h, k, part, data, len, &o);
	expect_in(call, rv, rv_run[k]);
	check_output(call, rv, &o);
	if (rv == CKR_BUFFER_TOO_SMALL)
		failed("%s: too small a buffer of the length it said", call);
	s->op[k] = after(rv, false, part != UPDATE);
	s->updated[k] |= part == UPDATE && rv == CKR_OK;
}

static void digest_key(struct input *in)
{
	struct session *s = some_session(in);
	CK_RV rv = f->C_DigestKey(s->h, some_object(in));

	expect_in("C_DigestKey", rv, rv_digest_key);
	if (s->h == 0)
		return;
	check_state("C_DigestKey", s->op[DIGEST], rv);
	s->op[DIGEST] = rv == CKR_OK ? ON : OFF;
}

static void (*const steps[])(struct input *in) = {
	open_session, close_session, close_all, login, logout, find,
	get_attribute, get_attribute, set_attribute, create, create, copy,
	destroy, object_size, generate_key, generate_pair, derive,
	random_bytes, op_init, op_init, op_init, op_call, op_call, op_call,
	op_call, digest_key,
};

/* ---- libFuzzer ---- */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char text[] =
		"[token]\nlabel = open\nshow_secrets = yes\n"
		"auth_url = http://km.fuzz/v3\n"
		"username = u\npassword = " FAKE_KM_PIN "\nproject_name = fuzz\n"
		"[token]\nlabel = login\nshow_secrets = yes\n"
		"auth_url = http://km.fuzz/v3\n"
		"username = u\nproject_name = fuzz\n"
		"[token]\nlabel = sealed\nread_only = yes\n"
		"auth_url = http://km.fuzz/v3\n"
		"username = u\npassword = " FAKE_KM_PIN "\nproject_name = fuzz\n";
	int fd = mkstemp(conf);

	(void)argc;
	(void)argv;
	if (fd < 0 || write(fd, text, sizeof(text) - 1) != sizeof(text) - 1)
		failed("cannot write %s", conf);
	close(fd);
	/* Each input initializes with it: it goes at the end of the run. */
	atexit(remove_conf);
	snprintf(reserved, sizeof(reserved), "kmp11_conf=%s", conf);
	load_fixture();
	trace = getenv("FUZZ_API_TRACE") != NULL;
	return C_GetFunctionList(&f) == CKR_OK ? 0 : 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	CK_C_INITIALIZE_ARGS args = {.flags = CKF_OS_LOCKING_OK,
				     .pReserved = reserved};
	struct input in = {data, size};

	memset(&m, 0, sizeof(m));
	if (f->C_Initialize(&args) != CKR_OK)
		failed("C_Initialize");
	m.n_slots = N(m.slots);
	if (f->C_GetSlotList(CK_TRUE, m.slots, &m.n_slots) != CKR_OK ||
	    m.n_slots == 0)
		failed("C_GetSlotList");
	while (in.n > 0)
		steps[pick(&in, N(steps))](&in);
	if (f->C_Finalize(NULL) != CKR_OK)
		failed("C_Finalize");
	return 0;
}
