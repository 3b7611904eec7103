/* kmp11-tool: the entry point; global options, then one subcommand. */
#include "config.h"
#include "tools/tool.h"

#include <errno.h>
#include <getopt.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

static const struct command {
	const char *name;
	int (*run)(struct tool *, int, char **);
	const char *summary;
	bool loads_module; /* itself, when it wants to */
} commands[] = {
	{"list", cmd_list, "tokens and objects, with expiry dates", false},
	{"export-cert", cmd_export_cert, "certificate + chain as PEM", false},
	{"verify", cmd_verify, "certificate matches its private key", false},
	{"expiring", cmd_expiring, "certificates expiring within N days", false},
	{"haproxy-sync", cmd_haproxy_sync, "push a container into haproxy", false},
	{"deploy", cmd_deploy, "certificate to nginx's file or haproxy, reload", false},
	{"provider-key", cmd_provider_key, "key file naming a key for pkcs11-provider", false},
	{"store", cmd_store, "certificate, key and chain into a container", false},
	{"order", cmd_order, "order a certificate from the Key Manager's CA", false},
	{"orders", cmd_orders, "the orders and their status", false},
	{"renew", cmd_renew, "a new certificate for a container's key", false},
	{"delete", cmd_delete, "delete the containers a URI names", false},
	{"doctor", cmd_doctor, "check configuration, Keystone, keys", true},
};

static int usage(FILE *out, int status)
{
	fputs("usage: kmp11-tool [--module PATH] [--pin-file FILE] "
	      "[--os-cloud NAME]\n                  [--timeout SECONDS] [-v] "
	      "COMMAND [ARGS]\n\ncommands:\n",
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

/*
 * What the module reads from the environment at C_Initialize: its log
 * (errors by default, so that a failure says why; -v adds warnings and
 * requests) and short timeouts, so that an unreachable Key Manager is
 * reported in seconds. What the user set stays.
 */
static void module_environment(int verbose, const char *timeout)
{
	static const char *const levels[] = {"error", "warning", "info", "debug"};

	if (verbose > 0 || getenv("KMP11_DEBUG") == NULL)
		setenv("KMP11_DEBUG", levels[verbose > 3 ? 3 : verbose], 1);
	setenv("KMP11_CONNECT_TIMEOUT", "3", 0);
	if (timeout != NULL)
		setenv("KMP11_TIMEOUT", timeout, 1);
	else
		setenv("KMP11_TIMEOUT", "10", 0);
}

static bool seconds_ok(const char *text)
{
	char *end;
	long v = strtol(text, &end, 10);

	return *text != '\0' && *end == '\0' && v >= 1 && v <= 3600;
}

/*
 * What the command wrote on stdout may not have reached it (a full disk,
 * a pipe closed while SIGPIPE is ignored, as systemd does): a command
 * that succeeded, found nothing or found certificates expiring then
 * failed, as a script reading its output must hear.
 */
static int stdout_status(int status)
{
	bool flushed = fflush(stdout) == 0;

	if (flushed && !ferror(stdout))
		return status;
	if (status != TOOL_OK && status != TOOL_NO_MATCH &&
	    status != TOOL_EXPIRING)
		return status; /* a failure, said already */
	if (flushed)
		tool_error("cannot write the output");
	else
		tool_error("cannot write the output: %s", strerror(errno));
	return TOOL_FAILED;
}

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
		{"module", required_argument, NULL, 'm'},
		{"pin-file", required_argument, NULL, 'p'},
		{"os-cloud", required_argument, NULL, 'c'},
		{"timeout", required_argument, NULL, 't'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0}};
	struct tool t = {0};
	const char *timeout = NULL;
	const struct command *cmd = NULL;
	int status, verbose = 0;

	/* The host's openssl.cnf may load the pkcs11 engine or provider
	 * (for nginx): the keys this tool rebuilds and checks must not go
	 * through them, so it reads no OpenSSL configuration. */
	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
	/* "+": options end at the subcommand, which has its own. */
	for (int c; (c = getopt_long(argc, argv, "+m:p:vhV", opts, NULL)) != -1;) {
		switch (c) {
		case 'm':
			t.module_path = optarg;
			break;
		case 'p':
			t.pin_file = optarg;
			break;
		case 'c':
			setenv("OS_CLOUD", optarg, 1);
			break;
		case 't':
			if (!seconds_ok(optarg)) {
				tool_error("--timeout %s: not 1 to 3600 seconds",
					   optarg);
				return TOOL_USAGE;
			}
			timeout = optarg;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			return usage(stdout, 0);
		case 'V':
			puts(PACKAGE_STRING);
			return 0;
		default:
			return usage(stderr, TOOL_USAGE);
		}
	}
	if (optind >= argc)
		return usage(stderr, TOOL_USAGE);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[optind], commands[i].name) == 0)
			cmd = &commands[i];
	if (cmd == NULL) {
		tool_error("unknown command '%s'", argv[optind]);
		return usage(stderr, TOOL_USAGE);
	}
	argc -= optind;
	argv += optind;
	optind = 0; /* glibc: scan afresh, with argument permutation */
	module_environment(verbose, timeout);
	/* A command's --help answers before it uses the module. */
	if (!asks_help(argc, argv) && !cmd->loads_module &&
	    tool_load(&t, t.module_path) != 0)
		return TOOL_FAILED;
	status = cmd->run(&t, argc, argv);
	if (t.f != NULL)
		tool_unload(&t);
	return status;
}

int main(int argc, char **argv)
{
	return stdout_status(run(argc, argv));
}
