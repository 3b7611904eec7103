#include "tokens/clouds.h"

#include "tokens/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

static yaml_node_t *map_get(yaml_document_t *doc, yaml_node_t *map,
			    const char *key)
{
	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		if (k != NULL && k->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)k->data.scalar.value, key) == 0)
			return yaml_document_get_node(doc, p->value);
	}
	return NULL;
}

/* Keys of a cloud (and of its auth: block) that kmp11 understands. */
static const char *const cloud_keys[] = {
	"auth_url", "username", "user_id", "password", "user_domain_name",
	"user_domain_id", "project_name", "project_id", "project_domain_name",
	"project_domain_id", "application_credential_id",
	"application_credential_name", "application_credential_secret",
	"token", "region_name", "interface", "cacert", "cert", "key",
};

static int apply_scalars(struct km_token_config *tc, yaml_document_t *doc,
			 yaml_node_t *map, const char *path, char *err,
			 size_t err_size)
{
	for (size_t i = 0; i < sizeof(cloud_keys) / sizeof(cloud_keys[0]); i++) {
		yaml_node_t *v = map_get(doc, map, cloud_keys[i]);
		if (v == NULL)
			continue;
		if (v->type != YAML_SCALAR_NODE) {
			snprintf(err, err_size, "%s:%zu: %s: expected a string",
				 path, v->start_mark.line + 1, cloud_keys[i]);
			return -1;
		}
		if (km_token_config_set_default(tc, cloud_keys[i],
						(const char *)v->data.scalar.value,
						err, err_size) != 0)
			return -1;
	}
	return 0;
}

static int apply_cloud(struct km_token_config *tc, yaml_document_t *doc,
		       const char *path, const char *cloud, char *err,
		       size_t err_size)
{
	yaml_node_t *root = yaml_document_get_root_node(doc);
	yaml_node_t *c = map_get(doc, map_get(doc, root, "clouds"), cloud);
	yaml_node_t *verify;

	if (c == NULL || c->type != YAML_MAPPING_NODE) {
		snprintf(err, err_size, "%s: no cloud '%s' under clouds:", path,
			 cloud);
		return -1;
	}
	if (apply_scalars(tc, doc, map_get(doc, c, "auth"), path, err,
			  err_size) != 0 ||
	    apply_scalars(tc, doc, c, path, err, err_size) != 0)
		return -1;
	verify = map_get(doc, c, "verify");
	if (verify != NULL && verify->type == YAML_SCALAR_NODE &&
	    strcmp((const char *)verify->data.scalar.value, "false") == 0)
		return km_token_config_set_default(tc, "insecure", "yes", err,
						   err_size);
	return 0;
}

int km_clouds_apply_file(struct km_token_config *tc, const char *path,
			 const char *cloud, char *err, size_t err_size)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	FILE *f = fopen(path, "re");
	int rv = -1;

	if (f == NULL) {
		snprintf(err, err_size, "%s: cannot open", path);
		return -1;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		snprintf(err, err_size, "%s:%zu: %s", path,
			 parser.problem_mark.line + 1,
			 parser.problem ? parser.problem : "invalid YAML");
	} else {
		rv = apply_cloud(tc, &doc, path, cloud, err, err_size);
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	fclose(f);
	return rv;
}

int km_clouds_apply(struct km_token_config *tc, const char *cloud, char *err,
		    size_t err_size)
{
	const char *explicit = secure_getenv("OS_CLIENT_CONFIG_FILE");
	const char *home = secure_getenv("HOME");
	char user[4096];
	const char *candidates[3] = {"clouds.yaml", NULL,
				     "/etc/openstack/clouds.yaml"};

	if (explicit != NULL)
		return km_clouds_apply_file(tc, explicit, cloud, err, err_size);
	if (home != NULL) {
		snprintf(user, sizeof(user), "%s/.config/openstack/clouds.yaml",
			 home);
		candidates[1] = user;
	}
	for (size_t i = 0; i < 3; i++)
		if (candidates[i] != NULL && access(candidates[i], R_OK) == 0)
			return km_clouds_apply_file(tc, candidates[i], cloud,
						    err, err_size);
	snprintf(err, err_size, "cloud '%s': no clouds.yaml in ., "
		 "~/.config/openstack or /etc/openstack", cloud);
	return -1;
}
