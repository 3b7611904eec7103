/* kmp11-tool: the entry point; global options, then one subcommand. */
#include "config.h"
#include "tools/tool.h"

#include <getopt.h>
#include <string.h>

static const struct command {
	const char *name;
	int (*run)(struct tool *, int, char **);
	const char *summary;
} commands[] = {
	{"list", cmd_list, "tokens and objects, with expiry dates"},
	{"export-cert", cmd_export_cert, "certificate + chain as PEM"},
	{"verify", cmd_verify, "certificate matches its private key"},
	{"expiring", cmd_expiring, "certificates expiring within N days"},
	{"haproxy-sync", cmd_haproxy_sync, "push a container into haproxy"},
	{"store", cmd_store, "certificate, key and chain into a container"},
	{"order", cmd_order, "order a certificate from the Key Manager's CA"},
	{"orders", cmd_orders, "the orders and their status"},
	{"renew", cmd_renew, "a new certificate for a container's key"},
	{"delete", cmd_delete, "delete the containers a URI names"},
};

static int usage(FILE *out, int status)
{
	fputs("usage: kmp11-tool [--module PATH] [--pin-file FILE] COMMAND "
	      "[ARGS]\n\ncommands:\n",
	      out);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-12s %s\n", commands[i].name,
			commands[i].summary);
	fputs("\n'kmp11-tool COMMAND --help' describes one; kmp11-tool(1) "
	      "all.\n",
	      out);
	return status;
}

static bool asks_help(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	return false;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"module", required_argument, NULL, 'm'},
		{"pin-file", required_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0}};
	struct tool t = {0};
	const char *module = NULL;
	const struct command *cmd = NULL;
	int status;

	/* "+": options end at the subcommand, which has its own. */
	for (int c; (c = getopt_long(argc, argv, "+m:p:hV", opts, NULL)) != -1;) {
		switch (c) {
		case 'm':
			module = optarg;
			break;
		case 'p':
			t.pin_file = optarg;
			break;
		case 'h':
			return usage(stdout, 0);
		case 'V':
			puts(PACKAGE_STRING);
			return 0;
		default:
			return usage(stderr, 2);
		}
	}
	if (optind >= argc)
		return usage(stderr, 2);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[optind], commands[i].name) == 0)
			cmd = &commands[i];
	if (cmd == NULL) {
		tool_error("unknown command '%s'", argv[optind]);
		return usage(stderr, 2);
	}
	argc -= optind;
	argv += optind;
	optind = 0; /* glibc: scan afresh, with argument permutation */
	/* A command's --help answers before it uses the module. */
	if (!asks_help(argc, argv) && tool_load(&t, module) != 0)
		return 1;
	status = cmd->run(&t, argc, argv);
	if (t.f != NULL)
		tool_unload(&t);
	return status;
}
