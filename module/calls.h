/*
 * The entry points module.c's function list gathers from the other
 * *-calls.c files, one family each: find-calls.c reads objects,
 * crypto-calls.c runs operations, object-calls.c makes, changes and
 * destroys objects.
 */
#ifndef KMP11_CALLS_H
#define KMP11_CALLS_H

#include <p11-kit/pkcs11.h>

/* find-calls.c */
CK_RV kmp_C_GetAttributeValue(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh,
			      CK_ATTRIBUTE_PTR templ, CK_ULONG count);
CK_RV kmp_C_GetObjectSize(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh,
			  CK_ULONG_PTR size);
CK_RV kmp_C_FindObjectsInit(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR templ,
			    CK_ULONG count);
CK_RV kmp_C_FindObjects(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE_PTR out,
			CK_ULONG max, CK_ULONG_PTR count);
CK_RV kmp_C_FindObjectsFinal(CK_SESSION_HANDLE h);

/* crypto-calls.c */
#define KMP_CIPHER_CALLS(name)                                                 \
	CK_RV kmp_C_##name##Init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m,      \
				 CK_OBJECT_HANDLE k);                          \
	CK_RV kmp_C_##name(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG len,  \
			   CK_BYTE_PTR out, CK_ULONG_PTR out_len);             \
	CK_RV kmp_C_##name##Update(CK_SESSION_HANDLE h, CK_BYTE_PTR in,        \
				   CK_ULONG len, CK_BYTE_PTR out,              \
				   CK_ULONG_PTR out_len);                      \
	CK_RV kmp_C_##name##Final(CK_SESSION_HANDLE h, CK_BYTE_PTR out,        \
				  CK_ULONG_PTR out_len);
KMP_CIPHER_CALLS(Encrypt)
KMP_CIPHER_CALLS(Decrypt)
CK_RV kmp_C_DigestInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m);
CK_RV kmp_C_Digest(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG len,
		   CK_BYTE_PTR out, CK_ULONG_PTR out_len);
CK_RV kmp_C_DigestUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG len);
CK_RV kmp_C_DigestKey(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE k);
CK_RV kmp_C_DigestFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR out,
			CK_ULONG_PTR out_len);
CK_RV kmp_C_SignInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m,
		     CK_OBJECT_HANDLE k);
CK_RV kmp_C_Sign(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len,
		 CK_BYTE_PTR sig, CK_ULONG_PTR sig_len);
CK_RV kmp_C_SignUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len);
CK_RV kmp_C_SignFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR sig,
		      CK_ULONG_PTR sig_len);
CK_RV kmp_C_VerifyInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m,
		       CK_OBJECT_HANDLE k);
CK_RV kmp_C_Verify(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len,
		   CK_BYTE_PTR sig, CK_ULONG sig_len);
CK_RV kmp_C_VerifyUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len);
CK_RV kmp_C_VerifyFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG sig_len);
CK_RV kmp_C_SeedRandom(CK_SESSION_HANDLE h, CK_BYTE_PTR seed, CK_ULONG len);
CK_RV kmp_C_GenerateRandom(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG len);

/* object-calls.c */
CK_RV kmp_C_CreateObject(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR templ,
			 CK_ULONG count, CK_OBJECT_HANDLE_PTR out);
CK_RV kmp_C_DestroyObject(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh);
CK_RV kmp_C_CopyObject(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh,
		       CK_ATTRIBUTE_PTR templ, CK_ULONG count,
		       CK_OBJECT_HANDLE_PTR out);
CK_RV kmp_C_DeriveKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mechanism,
		      CK_OBJECT_HANDLE base, CK_ATTRIBUTE_PTR templ,
		      CK_ULONG count, CK_OBJECT_HANDLE_PTR out);
CK_RV kmp_C_SetAttributeValue(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh,
			      CK_ATTRIBUTE_PTR templ, CK_ULONG count);
CK_RV kmp_C_GenerateKeyPair(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m,
			    CK_ATTRIBUTE_PTR pub, CK_ULONG n_pub,
			    CK_ATTRIBUTE_PTR priv, CK_ULONG n_priv,
			    CK_OBJECT_HANDLE_PTR pub_out,
			    CK_OBJECT_HANDLE_PTR priv_out);
CK_RV kmp_C_GenerateKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m,
			CK_ATTRIBUTE_PTR templ, CK_ULONG count,
			CK_OBJECT_HANDLE_PTR out);

#endif
