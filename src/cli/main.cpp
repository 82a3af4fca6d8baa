/* SPDX-License-Identifier: MIT */
/**
 * @file main.cpp
 * @brief mqctl's command line (CLI11): verbs, options, help and exit codes.
 */
#include <cerrno>
#include <climits>
#include <clocale>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include <langinfo.h>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "core/limits.hpp"
#include "mqfs/mqfs.h"
#include "mqfs_config.h"
#include "proto/mqfs_proto.h"
#include "util.hpp"

using namespace mqfs::cli;

namespace {

const char kMainFooter[] = R"(Queue names may be given with or without the leading '/'.
Run 'mqctl VERB --help' for the options of a verb.

Exit status:
  0    success
  1    usage error (bad option, argument or queue name)
  2    the operation failed (one line on stderr says why)
  3    timed out (--timeout), or would block (--nonblock)
  130  interrupted by Ctrl-C (SIGINT)

Environment:
  MQFS_ROOT  the mqfs mount when --root is not given (default )" MQFS_DEFAULT_ROOT R"())";

const char kWaitFooter[] = R"(Exit status: 0 ok, 1 usage error, 2 failed, 3 timed out or would block,
130 interrupted by Ctrl-C.)";

const char kPlainFooter[] = "Exit status: 0 ok, 1 usage error, 2 failed.";

/* --timeout SECONDS */
CLI::Validator secondsValidator()
{
	return CLI::Validator(
		[](std::string &s) -> std::string {
			std::string why;
			return parseSeconds(s, why) ? std::string() : "SECONDS: " + why;
		},
		"");
}

/* A positive decimal integer that fits a long (CLI11's own check prints the
 * whole range of a double). */
CLI::Validator positiveValidator()
{
	return CLI::Validator(
		[](std::string &s) -> std::string {
			const auto v = parseInt(s);
			if (!v || *v <= 0 || *v > LONG_MAX)
				return "expected a positive integer, got '" + s + "'";
			return std::string();
		},
		"");
}

CLI::Validator modeValidator()
{
	return CLI::Validator(
		[](std::string &s) -> std::string {
			return parseMode(s) ? std::string() : "MODE must be octal, 0 to 7777";
		},
		"");
}

/* --set KEY=VALUE */
std::optional<std::pair<unsigned, std::int64_t>> parseSetting(const std::string &s, std::string &why)
{
	const auto eq = s.find('=');
	if (eq == std::string::npos) {
		why = "expected KEY=VALUE";
		return std::nullopt;
	}
	const std::string key = s.substr(0, eq);
	unsigned k = 0;
	while (k < 5 && key != kLimitNames[k])
		k++;
	if (k == 5) {
		why = "unknown limit '" + key +
		      "' (one of queues_max, msg_max, msgsize_max, msg_default, msgsize_default)";
		return std::nullopt;
	}
	const auto v = parseInt(s.substr(eq + 1));
	if (!v) {
		why = "value of " + key + " is not a decimal integer";
		return std::nullopt;
	}
	return std::make_pair(k, *v);
}

CLI::Validator settingValidator()
{
	return CLI::Validator(
		[](std::string &s) -> std::string {
			std::string why;
			return parseSetting(s, why) ? std::string() : why;
		},
		"");
}

} /* namespace */

int main(int argc, char **argv)
{
	std::setlocale(LC_CTYPE, "");
	gUtf8 = std::strcmp(nl_langinfo(CODESET), "UTF-8") == 0;

	Global g;
	LsOptions ls;
	StatOptions st;
	CreateOptions cr;
	std::string crMode;
	SendOptions sd;
	std::string sdMessage, sdTimeout;
	RecvOptions rv;
	std::string rvTimeout;
	RmOptions rm;
	LimitsOptions lim;
	std::vector<std::string> limSet;

	CLI::App app{ "mqctl - manage the POSIX message queues of an mqfs mount", "mqctl" };
	app.set_version_flag("-V,--version",
			     "mqctl " MQFS_VERSION " (mqfs protocol " + std::to_string(MQFS_PROTO_VERSION) + ")",
			     "Print the version and exit");
	app.set_help_flag("-h,--help", "Print this help and exit");
	app.add_option("--root", g.root, "The mqfs mount to use (overrides MQFS_ROOT)")->type_name("DIR");
	app.require_subcommand(1, 1);
	app.fallthrough();
	app.footer(kMainFooter);
	app.get_formatter()->column_width(28);

	const std::string nameHelp = "Queue name, with or without the leading '/'";

	auto *cLs = app.add_subcommand("ls", "List the queues");
	cLs->add_flag("--json", ls.json, "Print JSON instead of a table");
	cLs->add_flag("-n,--noheadings", ls.noHeadings, "Do not print the header line");
	cLs->footer(R"(Columns: NAME, MODE (octal), OWNER, MAXMSG, MSGSIZE, CURMSGS, BYTES (payload
bytes queued) and NOTIFY: 'none', or the mq_notify() registration as
HOW@PID, HOW being a signal name (SIGUSR1), SIGEV_NONE or SIGEV_THREAD.
A field the caller may not read (no permission to open the queue, or not for
reading) shows as '-' (null in JSON).
)" + std::string("\n") + kPlainFooter);

	auto *cStat = app.add_subcommand("stat", "Show one queue's mode, owner, attributes and state");
	cStat->add_option("NAME", st.name, nameHelp)->required()->type_name("");
	cStat->add_flag("--json", st.json, "Print a JSON object instead of text");
	cStat->footer(kPlainFooter);

	auto *cCreate = app.add_subcommand("create", "Create a queue");
	cCreate->add_option("NAME", cr.name, nameHelp)->required()->type_name("");
	cCreate->add_option("--maxmsg", cr.maxmsg, "Capacity in messages (default: msg_default)")
		->type_name("N")
		->check(positiveValidator());
	cCreate->add_option("--msgsize", cr.msgsize, "Largest message in bytes (default: msgsize_default)")
		->type_name("N")
		->check(positiveValidator());
	cCreate->add_option("-m,--mode", crMode, "Permissions, octal (default 0600), less the umask")
		->type_name("MODE")
		->check(modeValidator());
	cCreate->add_flag("--exist-ok", cr.existOk, "Succeed if the queue exists (left unchanged)");
	cCreate->footer(R"(It is an error if the queue exists, unless --exist-ok is given. The limits
msg_max and msgsize_max bound --maxmsg and --msgsize (see 'mqctl limits').
)" + std::string("\n") + kPlainFooter);

	auto *cSend = app.add_subcommand("send", "Send one message");
	cSend->add_option("NAME", sd.name, nameHelp)->required()->type_name("");
	cSend->add_option("MESSAGE", sdMessage, "The message; '-' or none: read standard input")->type_name("");
	cSend->add_option("-p,--priority", sd.priority, "Priority, 0 (default) to 32767")
		->type_name("P")
		->check(CLI::Range(0u, mqfs::kMqPrioMax - 1).description(""));
	cSend->add_option("-t,--timeout", sdTimeout, "Wait at most SECONDS for room in a full queue")
		->type_name("SECONDS")
		->check(secondsValidator());
	cSend->add_flag("-n,--nonblock", sd.nonblock, "Fail at once if the queue is full");
	cSend->footer(R"(MESSAGE is sent as given, with no newline added. Standard input is read to its
end and sent as one message, byte for byte. Put '--' before a MESSAGE that
starts with '-'. A full queue blocks the send until there is room, until
--timeout SECONDS (decimals allowed) pass, or until Ctrl-C.
)" + std::string("\n") + kWaitFooter);

	auto *cRecv = app.add_subcommand("recv", "Receive messages, highest priority first");
	cRecv->add_option("NAME", rv.name, nameHelp)->required()->type_name("");
	cRecv->add_option("-t,--timeout", rvTimeout, "Wait at most SECONDS for each message")
		->type_name("SECONDS")
		->check(secondsValidator());
	auto *oCount = cRecv->add_option("-c,--count", rv.count, "Receive N messages (default 1)")
			       ->type_name("N")
			       ->check(positiveValidator());
	cRecv->add_flag("-f,--follow", rv.follow, "Keep receiving until interrupted")->excludes(oCount);
	cRecv->add_flag("-r,--raw", rv.raw, "Write the payload bytes only, as they are");
	cRecv->add_flag("-n,--nonblock", rv.nonblock, "Fail at once if the queue is empty");
	cRecv->footer(R"(Each message is printed as PRIORITY<TAB>PAYLOAD<NEWLINE>. In PAYLOAD a
backslash is written \\, newline, tab, CR and NUL \n \t \r \0, and other
unprintable bytes \xHH. With --raw only the payload is written, byte for byte,
with nothing between messages. An empty queue blocks until a message comes,
until --timeout SECONDS (decimals allowed) pass, or until Ctrl-C.
)" + std::string("\n") + kWaitFooter);

	auto *cRm = app.add_subcommand("rm", "Remove queues");
	cRm->add_option("NAME", rm.names, "Queue names, with or without the leading '/'")
		->required()
		->type_name("");
	cRm->add_flag("-f,--force", rm.force, "Ignore queues that do not exist");
	cRm->footer(R"(Every NAME is tried; one line on stderr for each that failed. A queue that is
still open lives on until its last close.
)" + std::string("\n") + kPlainFooter);

	auto *cLimits = app.add_subcommand("limits", "Show or change the limits of the mount");
	cLimits->add_option("-s,--set", limSet, "Set a limit first (repeatable)")
		->type_name("KEY=VALUE")
		->check(settingValidator());
	cLimits->add_flag("--json", lim.json, "Print a JSON object instead of text");
	cLimits->footer(R"(KEY is queues_max, msg_max, msgsize_max, msg_default or msgsize_default, and
VALUE a decimal integer in the range of the /proc/sys/fs/mqueue file. Only root
and the user running the daemon may change limits. New values apply to queues
created afterwards.
)" + std::string("\n") + kPlainFooter);

	try {
		app.parse(argc, argv);
	} catch (const CLI::Success &e) {
		return app.exit(e) == 0 ? kExitOk : kExitUsage;
	} catch (const CLI::ParseError &e) {
		const auto subs = app.get_subcommands();
		const std::string help = subs.empty() ? "mqctl --help" : "mqctl " + subs.front()->get_name() + " --help";
		std::cerr << "mqctl: " << e.what() << " (see '" << help << "')" << std::endl;
		return kExitUsage;
	}

	/* --root wins over MQFS_ROOT; libmqfs reads MQFS_ROOT, so pass it on. */
	if (g.root.empty()) {
		const char *env = std::getenv("MQFS_ROOT");
		g.root = env && *env ? env : MQFS_DEFAULT_ROOT;
	} else if (::setenv("MQFS_ROOT", g.root.c_str(), 1) != 0) {
		std::cerr << "mqctl: cannot set MQFS_ROOT: " << errnoText(errno) << std::endl;
		return kExitFailed;
	}

	std::string why;
	if (cLs->parsed())
		return cmdLs(g, ls);
	if (cStat->parsed())
		return cmdStat(g, st);
	if (cCreate->parsed()) {
		if (!crMode.empty())
			cr.mode = *parseMode(crMode);
		return cmdCreate(g, cr);
	}
	if (cSend->parsed()) {
		if (cSend->count("MESSAGE"))
			sd.message = sdMessage;
		if (!sdTimeout.empty())
			sd.timeout = parseSeconds(sdTimeout, why);
		return cmdSend(g, sd);
	}
	if (cRecv->parsed()) {
		if (!rvTimeout.empty())
			rv.timeout = parseSeconds(rvTimeout, why);
		return cmdRecv(g, rv);
	}
	if (cRm->parsed())
		return cmdRm(g, rm);
	if (cLimits->parsed()) {
		for (const auto &s : limSet)
			lim.set.push_back(*parseSetting(s, why));
		return cmdLimits(g, lim);
	}
	return kExitUsage;
}
