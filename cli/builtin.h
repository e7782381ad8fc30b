/* SPDX-License-Identifier: MIT */
/*
 * The subcommands. Adding one: write cli/cmd_NAME.c with int cmd_NAME(int argc, char **argv),
 * declare it here, add a row to commands[] in cli/main.c, and document it in docs/singe.1
 * and the README. A command returns the process exit code: 0 success, 1 a regression found
 * (diff), 2 an error (already printed as one line by the command).
 */
#ifndef SINGE_CLI_BUILTIN_H
#define SINGE_CLI_BUILTIN_H

int cmd_flame(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_goroutines(int argc, char **argv);

#endif /* SINGE_CLI_BUILTIN_H */
