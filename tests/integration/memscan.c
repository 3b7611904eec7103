/*
 * Scans this process's writable memory for a secret after kmp11 is done
 * with it: the Keystone password of a token's config file (after
 * C_Finalize), a Keystone token it was given instead (the same), a PIN
 * given to C_Login, or the private key a login token signed with (both
 * after C_Logout, and after C_Finalize).
 *
 *   memscan MODULE pin|password|token|key SECRET_FILE [PIN_FILE]
 *
 * KMP11_CONF: one token on the Key Manager; with "pin" and "key" a login
 * token (PIN_FILE holds the PIN for "key"), with "password" and "token"
 * one whose file holds it. The secret is read from SECRET_FILE (a line of text;
 * for "key" the private value in hex, looked for in both byte orders) and
 * kept masked, so that the only
 * copies of it in clear are the module's (and, for the PIN, the buffer
 * given to C_Login, wiped by this program after the call). Prints what
 * was found and where; exit 1 if any.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <p11-kit/pkcs11.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MASK 0x5a

static unsigned char masked[256];
static size_t masked_len;
static CK_FUNCTION_LIST *f;

static bool reversed_too; /* a number: also as little-endian words */

/* Occurrences of the secret in [p, end), compared unmasked on the fly. */
static long count_in(const unsigned char *p, const unsigned char *end)
{
	size_t last = masked_len - 1;
	long n = 0;

	for (; p + masked_len <= end; p++) {
		size_t i = 0, j = 0;
		while (i < masked_len && (p[i] ^ MASK) == masked[i])
			i++;
		while (reversed_too && j < masked_len &&
		       (p[j] ^ MASK) == masked[last - j])
			j++;
		n += i == masked_len || j == masked_len;
	}
	return n;
}

/* Every private writable mapping: heap, stack, anonymous, data. */
static long count_everywhere(void)
{
	FILE *maps = fopen("/proc/self/maps", "r");
	char line[512], perms[8];
	unsigned long from, to;
	long n = 0;

	if (maps == NULL)
		return -1;
	while (fgets(line, sizeof(line), maps) != NULL)
		if (sscanf(line, "%lx-%lx %7s", &from, &to, perms) == 3 &&
		    perms[0] == 'r' && perms[1] == 'w' &&
		    strstr(line, "[vvar") == NULL) {
			long here = count_in((const unsigned char *)from,
					     (const unsigned char *)to);
			if (here > 0) /* where: a hint for whoever fixes it */
				fprintf(stderr, "memscan: %ld in %s", here, line);
			n += here;
		}
	fclose(maps);
	return n;
}

/* The secret, masked: a line of text, or hex digits for bytes. */
static int read_masked(const char *path, bool hex, unsigned char *out,
		       size_t *len)
{
	int fd = open(path, O_RDONLY);
	unsigned char c, half = 0;
	size_t digits = 0;

	if (fd < 0)
		return -1;
	*len = 0;
	while (*len < sizeof(masked) && read(fd, &c, 1) == 1 && c != '\n') {
		if (!hex) {
			out[(*len)++] = c ^ MASK;
		} else if (digits++ % 2 == 0) {
			half = (unsigned char)(strchr("0123456789abcdef", c) -
					       "0123456789abcdef");
		} else {
			out[(*len)++] = (unsigned char)(half << 4 |
				(strchr("0123456789abcdef", c) - "0123456789abcdef")) ^ MASK;
		}
	}
	c = half = 0;
	close(fd);
	return *len > 0 ? 0 : -1;
}

/* C_Login with a masked PIN, unmasked only for the call. */
static CK_RV login(CK_SESSION_HANDLE s, const unsigned char *pin, size_t len)
{
	unsigned char given[256];
	CK_RV rv;

	for (size_t i = 0; i < len; i++)
		given[i] = pin[i] ^ MASK;
	rv = f->C_Login(s, CKU_USER, given, len);
	explicit_bzero(given, sizeof(given));
	return rv;
}

/* A token object signs once, so that its key is fetched and used. */
static CK_RV use_token(CK_SESSION_HANDLE s)
{
	CK_OBJECT_CLASS klass = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE t = {CKA_CLASS, &klass, sizeof(klass)};
	CK_MECHANISM m = {CKM_ECDSA, NULL, 0};
	unsigned char digest[32] = {1}, sig[512];
	CK_ULONG n = 0, len = sizeof(sig);
	CK_OBJECT_HANDLE key;
	CK_RV rv;

	if ((rv = f->C_FindObjectsInit(s, &t, 1)) != CKR_OK)
		return rv;
	rv = f->C_FindObjects(s, &key, 1, &n);
	f->C_FindObjectsFinal(s);
	if (rv != CKR_OK || n != 1)
		return rv ? rv : CKR_GENERAL_ERROR;
	if ((rv = f->C_SignInit(s, &m, key)) != CKR_OK)
		return rv;
	return f->C_Sign(s, digest, sizeof(digest), sig, &len);
}

static int report(const char *secret, const char *when)
{
	long n = count_everywhere();

	printf("the %s in memory after %s: %ld\n", secret, when, n);
	return n != 0;
}

int main(int argc, char **argv)
{
	CK_C_INITIALIZE_ARGS init = {.flags = CKF_OS_LOCKING_OK};
	const char *what = argc > 2 ? argv[2] : "";
	bool key = strcmp(what, "key") == 0, pin = strcmp(what, "pin") == 0;
	unsigned char pin_masked[256];
	size_t pin_len = 0;
	CK_C_GetFunctionList get;
	CK_SESSION_HANDLE s;
	CK_SLOT_ID slot;
	CK_ULONG n = 1;
	int found = 0;
	void *dl;
	CK_RV rv;

	if (argc != 4 + key ||
	    (!pin && !key && strcmp(what, "password") != 0 && strcmp(what, "token") != 0) ||
	    read_masked(argv[3], key, masked, &masked_len) != 0 ||
	    (key && read_masked(argv[4], false, pin_masked, &pin_len) != 0))
		return fprintf(stderr, "usage: memscan MODULE pin|password|token|key "
				       "SECRET_FILE [PIN_FILE]\n"), 2;
	reversed_too = key;
	if (pin) {
		memcpy(pin_masked, masked, masked_len);
		pin_len = masked_len;
	}
	if ((dl = dlopen(argv[1], RTLD_NOW)) == NULL ||
	    (get = (CK_C_GetFunctionList)dlsym(dl, "C_GetFunctionList")) == NULL ||
	    get(&f) != CKR_OK || f->C_Initialize(&init) != CKR_OK ||
	    f->C_GetSlotList(CK_TRUE, &slot, &n) != CKR_OK || n < 1 ||
	    f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK)
		return fprintf(stderr, "memscan: cannot load %s\n", argv[1]), 2;
	if (pin_len > 0 && (rv = login(s, pin_masked, pin_len)) != CKR_OK)
		return fprintf(stderr, "memscan: C_Login: %#lx\n", rv), 2;
	if ((rv = use_token(s)) != CKR_OK)
		return fprintf(stderr, "memscan: signing: %#lx\n", rv), 2;
	/* The scan can see it while it is in use, or it proves nothing. */
	if (pin_len > 0 && count_everywhere() == 0)
		return fprintf(stderr, "memscan: the %s is not seen while in "
				       "use: the scan proves nothing\n", what), 2;
	if (pin_len > 0) {
		f->C_Logout(s);
		found |= report(what, "C_Logout");
	}
	f->C_Finalize(NULL);
	found |= report(what, "C_Finalize");
	return found;
}
