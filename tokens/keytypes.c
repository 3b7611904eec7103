#include "tokens/keytypes.h"

#include "tokens/hash.h"
#include "tokens/log.h"
#include "tokens/safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const known[] = {"rsa", "ec", "ed25519", "ed448"};

struct entry {
	km_uuid uuid;
	const char *algorithm; /* one of known[] */
};

struct km_keytypes {
	char *path;
	pthread_mutex_t lock; /* guards the table; never held on file I/O */
	struct entry *slots; /* open addressing; uuid "" is free */
	size_t size, used;
};

static const char *canonical(const char *algorithm)
{
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(algorithm, known[i]) == 0)
			return known[i];
	return NULL;
}

/* known[i]'s bit is 1 << i. */
unsigned km_key_type_bit(const char *name)
{
	for (unsigned i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(name, known[i]) == 0)
			return 1u << i;
	return 0;
}

unsigned km_key_types_of_algorithm(const char *algorithm)
{
	unsigned bit;

	if (algorithm == NULL)
		return KM_KEY_ANY;
	if (strcmp(algorithm, "ecdsa") == 0)
		return KM_KEY_EC;
	if (strcmp(algorithm, "eddsa") == 0)
		return KM_KEY_EDDSA;
	bit = km_key_type_bit(algorithm);
	return bit != 0 ? bit : KM_KEY_ANY;
}

const char *km_key_type_name(const EVP_PKEY *key)
{
	switch (EVP_PKEY_get_base_id(key)) {
	case EVP_PKEY_RSA:
		return known[0];
	case EVP_PKEY_EC:
		return known[1];
	case EVP_PKEY_ED25519:
		return known[2];
	case EVP_PKEY_ED448:
		return known[3];
	default:
		return NULL;
	}
}

static struct entry *slot_of(const struct km_keytypes *k, const char *uuid)
{
	uint64_t h = km_fnv1a_str(KM_FNV_BASIS, uuid);
	size_t i;

	for (i = (size_t)h & (k->size - 1); k->slots[i].uuid[0] != '\0';
	     i = (i + 1) & (k->size - 1))
		if (strcmp(k->slots[i].uuid, uuid) == 0)
			break;
	return &k->slots[i];
}

static bool put(struct km_keytypes *k, const char *uuid, const char *algorithm)
{
	struct entry *e;

	if ((k->used + 1) * 2 > k->size) {
		struct km_keytypes bigger = {.size = k->size * 2};
		if ((bigger.slots = calloc(bigger.size, sizeof(*bigger.slots))) == NULL)
			return false;
		for (size_t i = 0; i < k->size; i++)
			if (k->slots[i].uuid[0] != '\0')
				*slot_of(&bigger, k->slots[i].uuid) = k->slots[i];
		free(k->slots);
		k->slots = bigger.slots;
		k->size = bigger.size;
	}
	e = slot_of(k, uuid);
	if (e->uuid[0] == '\0')
		k->used++;
	snprintf(e->uuid, sizeof(e->uuid), "%s", uuid);
	e->algorithm = algorithm;
	return true;
}

static void load(struct km_keytypes *k, FILE *f)
{
	char line[128], uuid[64], algorithm[32];
	const char *a;

	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%63s %31s", uuid, algorithm) == 2 &&
		    strlen(uuid) == KM_UUID_LEN && (a = canonical(algorithm)) != NULL)
			put(k, uuid, a);
}

/* The directory of path opened when trusted, the file's name into
 * *name; -1 when there is none or it is not trusted (said once: when
 * loading). */
static int open_dir(const char *path, const char **name, bool say)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int fd;

	*name = slash ? slash + 1 : path;
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1,
		 slash ? path : ".");
	if ((fd = km_safe_dir_open(slash == path ? "/" : dir)) < 0 && say &&
	    errno != ENOENT)
		km_warning("key_cache %s: its directory is not this user's or "
			   "root's, or others may write it: not used", path);
	return fd;
}

/* The file's lines into k; a file others could have planted or changed
 * is not read. */
static void load_file(struct km_keytypes *k, const char *path, bool say)
{
	const char *name;
	int dir = open_dir(path, &name, say), fd;
	FILE *f;

	if (dir < 0)
		return;
	fd = km_safe_file_open(dir, name, O_RDONLY, 0);
	if (fd < 0 && say && errno != ENOENT)
		km_warning("key_cache %s: not a regular file of this user or "
			   "root, or writable by others: not used", path);
	close(dir);
	if (fd >= 0 && (f = fdopen(fd, "r")) != NULL) {
		load(k, f);
		fclose(f);
	} else if (fd >= 0)
		close(fd);
}

struct km_keytypes *km_keytypes_open(const char *path)
{
	struct km_keytypes *k = calloc(1, sizeof(*k));

	if (k == NULL || (k->slots = calloc(64, sizeof(*k->slots))) == NULL) {
		free(k);
		return NULL;
	}
	k->size = 64;
	pthread_mutex_init(&k->lock, NULL);
	if (path != NULL && (k->path = strdup(path)) != NULL)
		load_file(k, k->path, true);
	return k;
}

void km_keytypes_free(struct km_keytypes *k)
{
	if (k == NULL)
		return;
	pthread_mutex_destroy(&k->lock);
	free(k->slots);
	free(k->path);
	free(k);
}

const char *km_keytypes_get(struct km_keytypes *k, const char *uuid)
{
	const char *a;

	if (k == NULL)
		return NULL;
	pthread_mutex_lock(&k->lock);
	a = slot_of(k, uuid)->algorithm;
	pthread_mutex_unlock(&k->lock);
	return a;
}

/* mkdir of the file's directory (and its parent), private to the user. */
static void make_dir(const char *path)
{
	char dir[4096];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		return;
	*slash = '\0';
	if (mkdir(dir, 0700) != 0 && errno == ENOENT &&
	    (slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		mkdir(dir, 0700);
		*slash = '/';
		mkdir(dir, 0700);
	}
}

/* The whole store as "<uuid> <algorithm>" lines; malloc'd. */
static char *lines(const struct km_keytypes *k, size_t *len)
{
	char *text = malloc(k->used * (KM_UUID_LEN + 10) + 1);

	*len = 0;
	for (size_t i = 0; text != NULL && i < k->size; i++)
		if (k->slots[i].uuid[0] != '\0')
			*len += (size_t)sprintf(text + *len, "%s %s\n",
						k->slots[i].uuid,
						k->slots[i].algorithm);
	return text;
}

/* What another process learned and this one does not know, into k (the
 * lock held): kept, since this process's own entries are newer. */
static void merge(struct km_keytypes *k, const struct km_keytypes *from)
{
	for (size_t i = 0; i < from->size; i++)
		if (from->slots[i].uuid[0] != '\0' &&
		    slot_of(k, from->slots[i].uuid)->algorithm == NULL)
			put(k, from->slots[i].uuid, from->slots[i].algorithm);
}

void km_keytypes_learn(struct km_keytypes *k, const char *uuid,
		       const char *algorithm)
{
	const char *a = algorithm ? canonical(algorithm) : NULL;
	struct km_keytypes file = {.size = 64};
	const char *name;
	char *text = NULL;
	bool same;
	size_t len;
	int dir;

	if (k == NULL || a == NULL || strlen(uuid) != KM_UUID_LEN)
		return;
	pthread_mutex_lock(&k->lock);
	same = slot_of(k, uuid)->algorithm == a;
	if (!same && !put(k, uuid, a))
		same = true; /* no memory: nothing to write either */
	pthread_mutex_unlock(&k->lock);
	if (same || k->path == NULL)
		return;
	/* The file is read and written without the lock. */
	if ((file.slots = calloc(file.size, sizeof(*file.slots))) != NULL)
		load_file(&file, k->path, false);
	pthread_mutex_lock(&k->lock);
	if (file.slots != NULL)
		merge(k, &file);
	text = lines(k, &len);
	pthread_mutex_unlock(&k->lock);
	free(file.slots);
	make_dir(k->path);
	if ((dir = open_dir(k->path, &name, false)) >= 0 &&
	    (text == NULL || !km_safe_file_replace(dir, name, text, len, 0600)))
		km_warning("key type cache %s: %s", k->path, strerror(errno));
	if (dir >= 0)
		close(dir);
	free(text);
}

char *km_keytypes_default_path(const char *serial)
{
	const char *xdg = secure_getenv("XDG_CACHE_HOME"), *home = secure_getenv("HOME");
	char path[4096];

	if (xdg != NULL && xdg[0] == '/')
		snprintf(path, sizeof(path), "%s/kmp11/%s.keytypes", xdg, serial);
	else if (home != NULL && home[0] == '/')
		snprintf(path, sizeof(path), "%s/.cache/kmp11/%s.keytypes", home, serial);
	else
		return NULL;
	return strdup(path);
}
