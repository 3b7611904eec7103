/*
 * kmp11-order: certificate orders through kmp11's vendor mechanism, the
 * example of docs/vendor.md (compiled and run by the test suite).
 *
 *   kmp11-order MODULE custom CSR_FILE [LABEL [WAIT]]
 *   kmp11-order MODULE simple-cmc CSR_FILE
 *   kmp11-order MODULE stored-key KEY_LABEL SUBJECT [LABEL [WAIT]]
 *   kmp11-order MODULE list
 *
 * Uses the first slot. Prints the order as "status message | error |
 * result ref" and, once ACTIVE, the issued certificate's label.
 *
 *   cc -o kmp11-order kmp11-order.c $(pkg-config --cflags p11-kit-1) -ldl
 */
#include <p11-kit/pkcs11.h>
#include <kmp11.h>

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static CK_FUNCTION_LIST_PTR p11;

static int failed(const char *what, CK_RV rv)
{
	fprintf(stderr, "kmp11-order: %s: 0x%lx\n", what, (unsigned long)rv);
	return 1;
}

static char *read_file(const char *path, CK_ULONG *len)
{
	FILE *f = fopen(path, "rb");
	char *data = malloc(65536);

	*len = f && data ? (CK_ULONG)fread(data, 1, 65536, f) : 0;
	if (f)
		fclose(f);
	return data;
}

/* A text attribute of an object, in buf. */
static const char *text(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
			CK_ATTRIBUTE_TYPE type, char *buf, size_t size)
{
	CK_ATTRIBUTE a = {type, buf, size - 1};

	if (p11->C_GetAttributeValue(s, o, &a, 1) != CKR_OK)
		a.ulValueLen = 0;
	buf[a.ulValueLen] = '\0';
	return buf;
}

static void print_order(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE order)
{
	static const char *const names[] = {"PENDING", "ACTIVE", "ERROR"};
	CK_ULONG status = KMP11_ORDER_ERROR + 1;
	CK_ATTRIBUTE a = {CKA_KMP11_ORDER_STATUS, &status, sizeof(status)};
	char message[256], error[512], result[512], type[32];

	p11->C_GetAttributeValue(s, order, &a, 1);
	printf("%s %s %s | %s | %s\n",
	       status <= KMP11_ORDER_ERROR ? names[status] : "?",
	       text(s, order, CKA_KMP11_REQUEST_TYPE, type, sizeof(type)),
	       text(s, order, CKA_KMP11_ORDER_MESSAGE, message, sizeof(message)),
	       text(s, order, CKA_KMP11_ORDER_ERROR, error, sizeof(error)),
	       text(s, order, CKA_KMP11_RESULT_REF, result, sizeof(result)));
}

/* The first object of a class with a label. */
static CK_OBJECT_HANDLE find(CK_SESSION_HANDLE s, CK_OBJECT_CLASS klass,
			     const char *label)
{
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &klass, sizeof(klass)},
			    {CKA_LABEL, (void *)label, strlen(label)}};
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_ULONG n = 0;

	if (p11->C_FindObjectsInit(s, t, 2) == CKR_OK) {
		p11->C_FindObjects(s, &h, 1, &n);
		p11->C_FindObjectsFinal(s);
	}
	return n == 1 ? h : CK_INVALID_HANDLE;
}

static int list_orders(CK_SESSION_HANDLE s)
{
	CK_OBJECT_CLASS klass = CKO_KMP11_ORDER;
	CK_ATTRIBUTE t = {CKA_CLASS, &klass, sizeof(klass)};
	CK_OBJECT_HANDLE orders[64];
	CK_ULONG n = 0;
	CK_RV rv = p11->C_FindObjectsInit(s, &t, 1);

	if (rv != CKR_OK)
		return failed("C_FindObjectsInit", rv);
	p11->C_FindObjects(s, orders, 64, &n);
	p11->C_FindObjectsFinal(s);
	for (CK_ULONG i = 0; i < n; i++)
		print_order(s, orders[i]);
	return 0;
}

int main(int argc, char **argv)
{
	CK_C_GetFunctionList get_list;
	CK_KMP11_CERTIFICATE_ORDER_PARAMS params = {0};
	CK_MECHANISM order = {CKM_KMP11_CERTIFICATE_ORDER, &params, sizeof(params)};
	CK_OBJECT_CLASS klass = CKO_KMP11_ORDER;
	CK_ATTRIBUTE templ[] = {{CKA_CLASS, &klass, sizeof(klass)},
				{CKA_LABEL, NULL, 0}};
	CK_SLOT_ID slot;
	CK_ULONG n = 1;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;
	const char *label = NULL, *wait = NULL;
	char *csr = NULL;
	void *lib;
	CK_RV rv;

	if (argc < 3 || (lib = dlopen(argv[1], RTLD_NOW)) == NULL ||
	    (get_list = (CK_C_GetFunctionList)dlsym(lib, "C_GetFunctionList")) == NULL) {
		fprintf(stderr, "usage: kmp11-order MODULE custom|simple-cmc|stored-key|list ...\n");
		return 2;
	}
	get_list(&p11);
	if ((rv = p11->C_Initialize(NULL)) != CKR_OK ||
	    (rv = p11->C_GetSlotList(CK_TRUE, &slot, &n)) != CKR_OK ||
	    (rv = p11->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION,
				     NULL, NULL, &s)) != CKR_OK)
		return failed("opening a session", rv);
	if (strcmp(argv[2], "list") == 0)
		return list_orders(s);
	if (strcmp(argv[2], "stored-key") == 0 && argc >= 5) {
		/* The key never leaves the Key Manager: the order names it. */
		params.ulRequestType = KMP11_REQUEST_STORED_KEY;
		params.hKey = find(s, CKO_PRIVATE_KEY, argv[3]);
		params.pSubject = (CK_UTF8CHAR_PTR)argv[4];
		params.ulSubjectLen = strlen(argv[4]);
		label = argc > 5 ? argv[5] : NULL;
		wait = argc > 6 ? argv[6] : NULL;
	} else if (argc >= 4) {
		params.ulRequestType = strcmp(argv[2], "simple-cmc") == 0
					       ? KMP11_REQUEST_SIMPLE_CMC
					       : KMP11_REQUEST_CUSTOM;
		params.pRequest = (CK_BYTE_PTR)(csr = read_file(argv[3], &params.ulRequestLen));
		label = argc > 4 ? argv[4] : NULL;
		wait = argc > 5 ? argv[5] : NULL;
	} else {
		return failed("arguments", CKR_ARGUMENTS_BAD);
	}
	params.ulWaitSeconds = wait ? strtoul(wait, NULL, 10) : 30;
	if (label != NULL) {
		templ[1].pValue = (void *)label;
		templ[1].ulValueLen = strlen(label);
	}
	rv = p11->C_GenerateKey(s, &order, templ, label ? 2 : 1, &h);
	free(csr);
	if (rv != CKR_OK)
		return failed("C_GenerateKey", rv);
	print_order(s, h);
	/* Issued: the certificate is on the token at once. */
	if (label != NULL && find(s, CKO_CERTIFICATE, label) != CK_INVALID_HANDLE)
		printf("certificate '%s' found\n", label);
	p11->C_CloseSession(s);
	p11->C_Finalize(NULL);
	return 0;
}
