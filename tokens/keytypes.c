#include "tokens/keytypes.h"

#include "tokens/hash.h"
#include "tokens/log.h"

#include <errno.h>
#include <fcntl.h>
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

struct km_keytypes *km_keytypes_open(const char *path)
{
	struct km_keytypes *k = calloc(1, sizeof(*k));
	FILE *f;

	if (k == NULL || (k->slots = calloc(64, sizeof(*k->slots))) == NULL) {
		free(k);
		return NULL;
	}
	k->size = 64;
	if (path != NULL && (k->path = strdup(path)) != NULL &&
	    (f = fopen(path, "r")) != NULL) {
		load(k, f);
		fclose(f);
	}
	return k;
}

void km_keytypes_free(struct km_keytypes *k)
{
	if (k == NULL)
		return;
	free(k->slots);
	free(k->path);
	free(k);
}

const char *km_keytypes_get(const struct km_keytypes *k, const char *uuid)
{
	return k ? slot_of(k, uuid)->algorithm : NULL;
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

void km_keytypes_learn(struct km_keytypes *k, const char *uuid,
		       const char *algorithm)
{
	const char *a = algorithm ? canonical(algorithm) : NULL;
	char line[64];
	int fd, n;

	if (k == NULL || a == NULL || strlen(uuid) != KM_UUID_LEN ||
	    km_keytypes_get(k, uuid) == a || !put(k, uuid, a) || k->path == NULL)
		return;
	make_dir(k->path);
	n = snprintf(line, sizeof(line), "%s %s\n", uuid, a);
	/* One short line, appended in one write: concurrent processes
	 * (nginx workers) do not interleave it. */
	if ((fd = open(k->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) < 0 ||
	    write(fd, line, (size_t)n) != n)
		km_warning("key type cache %s: %s", k->path, strerror(errno));
	if (fd >= 0)
		close(fd);
}

char *km_keytypes_default_path(const char *serial)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char path[4096];

	if (xdg != NULL && xdg[0] == '/')
		snprintf(path, sizeof(path), "%s/kmp11/%s.keytypes", xdg, serial);
	else if (home != NULL && home[0] == '/')
		snprintf(path, sizeof(path), "%s/.cache/kmp11/%s.keytypes", home, serial);
	else
		return NULL;
	return strdup(path);
}
