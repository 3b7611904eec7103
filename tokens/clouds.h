/* OS_CLOUD: one cloud of clouds.yaml, as openstacksdk reads it. */
#ifndef KMP11_CLOUDS_H
#define KMP11_CLOUDS_H

#include <stddef.h>

struct km_token_config;

/* Sets the keys the token does not set yet from the named cloud. */
int km_clouds_apply(struct km_token_config *tc, const char *cloud, char *err,
		    size_t err_size);
/* Same, from a given clouds.yaml file. */
int km_clouds_apply_file(struct km_token_config *tc, const char *path,
			 const char *cloud, char *err, size_t err_size);

#endif
