/*
 * mailferry-sendmail: the fast path of bin/sendmail (docs/sendmail.md, "Start-up time").
 *
 * Why C in a Java project: applications start sendmail once per message, and a JVM start alone
 * costs more than Postfix's whole submission. So this client does the common case, with no mail
 * logic: it decides whether the command line is a plain send, finds the spool as cli/SendmailConfig
 * does, and speaks SEND on SPOOL/public/submit.sock (submission/SendRequest.java); the daemon runs
 * the Java command's own code on argv and the message and answers with an exit code and the text
 * for stderr. Anything else, and any doubt, is the Java command's: exec $MAILFERRY_SENDMAIL_JVM
 * (default ../bin/sendmail beside this binary's directory) with MAILFERRY_NATIVE=off and standard
 * input as it was (untouched, or what was read in a memfd), so the daemon-down case (maildrop) and
 * every other mode stay the Java command's. Standard input is held in memory up to MAX_MESSAGE
 * (sendmail messages are small); a larger one is read on into a memfd for the Java command.
 * The daemon gets CONNECT_TIMEOUT to take the connection and ANSWER_TIMEOUT for each answer (or
 * $MAILFERRY_SUBMIT_TIMEOUT seconds for both); a daemon that is busy ("temp", its connection
 * limits) or does not answer in time is not asked again: the Java command is told so
 * (MAILFERRY_SUBMIT_SOCKET=off) and writes the message to the maildrop, so the caller (cron, PHP)
 * never hangs on a wedged daemon.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* Bounds shared with submission/SendRequest.java: keep them equal. */
#define MAX_MESSAGE (4u << 20)          /* larger messages: read on into a memfd, then the JVM */
#define MAX_CONFIG (64u << 10)
#define MAX_ARGS 1024
#define MAX_ARG_BYTES (256u << 10)
#define MAX_ANSWER (64u << 10)
#define CONNECT_TIMEOUT 5.0           /* seconds; docs/sendmail.md, "Timeouts" */
#define ANSWER_TIMEOUT 30.0
#define EX_IOERR 74
#define EX_TEMPFAIL 75

struct buf { char *p; size_t len, cap; };

static char **args;                   /* our argv, handed to the Java command */
static struct buf input;              /* standard input read so far */
static int input_touched;             /* fd 0 was read: the Java command needs our copy */
static int spill = -1;                /* a memfd with the input (too large, or for the Java command) */
static int daemon_unusable;           /* busy or timed out: the Java command goes to the maildrop */
static char home[PATH_MAX];           /* the directory above this binary's: the checkout, /usr/lib/mailferry */

/* A failure of this client itself, before any answer from the daemon: nothing was accepted. */
static void die(int code, const char *what, int err) {
    fprintf(stderr, "sendmail: %s%s%s\n", what, err ? ": " : "", err ? strerror(err) : "");
    exit(code);
}

static void add(struct buf *b, const void *p, size_t n) {
    if (n == 0) return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 8192;
        while (cap < b->len + n) cap *= 2;
        char *p2 = realloc(b->p, cap);
        if (!p2) die(EX_TEMPFAIL, "out of memory", 0);
        b->p = p2;
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

/* One request field: "NAME LENGTH\n" and LENGTH bytes. */
static void field(struct buf *b, const char *name, const char *p, size_t n) {
    char head[64];
    add(b, head, (size_t)snprintf(head, sizeof head, "%s %zu\n", name, n));
    add(b, p, n);
}

static ssize_t read_some(int fd, char *p, size_t n) { /* no handlers are installed, but be safe */
    ssize_t r;
    while ((r = read(fd, p, n)) < 0 && errno == EINTR) {}
    return r;
}

/* Writes everything; on the socket without SIGPIPE (ignoring it would outlive exec). */
static int write_all(int fd, const char *p, size_t n, int sock) {
    while (n > 0) {
        ssize_t w = sock ? send(fd, p, n, MSG_NOSIGNAL) : write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* SO_SNDTIMEO or SO_RCVTIMEO; on a Unix socket SO_SNDTIMEO also bounds the wait in connect(). */
static void timeout(int fd, int option, double seconds) {
    struct timeval tv = {.tv_sec = (time_t)seconds, .tv_usec = (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6)};
    setsockopt(fd, SOL_SOCKET, option, &tv, sizeof tv);
}

/* After a failed write: marks the daemon unusable when it timed out (it stopped reading); true. */
static int stalled(void) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) daemon_unusable = 1;
    return 1;
}

/* Moves what was read into `spill`: a memfd, or an unlinked file in /tmp where there is none. */
static void spill_input(void) {
    if (spill >= 0) return;
    if ((spill = memfd_create("sendmail-input", 0)) < 0) spill = open("/tmp", O_TMPFILE | O_RDWR, 0600);
    if (spill < 0 || write_all(spill, input.p, input.len, 0) < 0)
        die(EX_TEMPFAIL, "cannot keep the message for the Java command", errno);
}

/* Runs the Java command in our place, with standard input as it was; never returns. */
static void jvm(void) {
    static char self[PATH_MAX + 32];
    const char *target = getenv("MAILFERRY_SENDMAIL_JVM");
    if (!target || !*target) {
        ssize_t n = readlink("/proc/self/exe", self, PATH_MAX);
        char *slash = n > 0 ? memrchr(self, '/', (size_t)n) : NULL;
        if (!slash) die(EX_TEMPFAIL, "cannot find the Java command (/proc/self/exe)", errno);
        strcpy(slash, "/../bin/sendmail");
        target = self;
    }
    if (input_touched) {
        spill_input();
        if (lseek(spill, 0, SEEK_SET) < 0 || dup2(spill, 0) < 0) die(EX_TEMPFAIL, "cannot hand the message over", errno);
    }
    setenv("MAILFERRY_NATIVE", "off", 1);
    if (daemon_unusable) setenv("MAILFERRY_SUBMIT_SOCKET", "off", 1);
    args[0] = (char *)target;
    execv(target, args);
    fprintf(stderr, "sendmail: cannot run %s: %s\n", target, strerror(errno));
    exit(EX_TEMPFAIL);
}

/*
 * Walks the options as cli/SendmailOptions does (getopt: flags GIUcimntvxq; ABCFLNORVXbefhopr
 * take a value, attached or next), only to decide: 0 when they ask for another mode than sending
 * one message (-q..., -I, -v, -b but -bm), else 1, with -C's value in *config_opt. An unknown
 * letter, a missing value or a line break is the daemon's to report (the Java usage error).
 */
static int plain_send(int argc, char **argv, const char **config_opt) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0 || a[0] != '-' || a[1] == 0) return 1;
        for (int j = 1; a[j]; j++) {
            char c = a[j];
            if (c == 'q' || c == 'I' || c == 'v') return 0;
            if (strchr("GUcimntx", c)) continue;
            if (!strchr("ABCFLNORVXbefhopr", c)) return 1;
            const char *v = a + j + 1;
            if (!*v) {
                if (i + 1 >= argc) return 1;
                v = argv[++i];
            }
            if (c == 'b' && strcmp(v, "m") != 0) return 0;
            if (c == 'C') *config_opt = v;
            break; /* the value took the rest of this argument */
        }
    }
    return 1;
}

static int bare_key(const char *s, const char *e) { /* [A-Za-z0-9_-]+; the text ends in a NUL */
    return s < e && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") >= (size_t)(e - s);
}

static const char *skip_space(const char *s, const char *e) {
    while (s < e && (*s == ' ' || *s == '\t')) s++;
    return s;
}

static int line_ends(const char *s, const char *e) { /* nothing but blanks or a comment left */
    return (s = skip_space(s, e)) == e || *s == '#';
}

/* 1 when a value ends on its own line: no multi-line string, every array closed. */
static int one_line(const char *v, const char *e) {
    if (e - v >= 3 && (!memcmp(v, "\"\"\"", 3) || !memcmp(v, "'''", 3))) return 0;
    int depth = 0;
    char quote = 0;
    for (; v < e && (quote || *v != '#'); v++) {
        if (quote && *v == '\\' && quote == '"' && v + 1 < e) v++;
        else if (quote && *v == quote) quote = 0;
        else if (!quote && (*v == '"' || *v == '\'')) quote = *v;
        else if (!quote) depth += *v == '[' ? 1 : *v == ']' ? -1 : 0;
    }
    return depth == 0 && !quote;
}

/*
 * queue.spool from a config file's text, read as conservatively as possible: only blank lines,
 * comments, [table] headers and one-line "bare-key = value" are understood, and the spool only as
 * spool = "..." (or '...') under [queue], with plain printable ASCII and no escapes. Anything else
 * (the word spool elsewhere, dotted or quoted keys, [[...]], multi-line values, a second [queue]
 * or spool, NUL) returns NULL: the Java command reads the file. The daemon reads the same text with
 * config/Toml and sends us to the Java command if it finds another spool.
 */
static char *config_spool(const char *text, size_t len, const char *default_spool) {
    const char *end = text + len, *line = text;
    char *spool = NULL;
    int in_queue = 0, queues = 0;
    if (memchr(text, 0, len)) return NULL;
    for (; line < end; ) {
        const char *nl = memchr(line, '\n', (size_t)(end - line)), *e = nl ? nl : end;
        const char *next = nl ? nl + 1 : end;
        line = skip_space(line, e);
        while (e > line && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r')) e--;
        int says_spool = memmem(line, (size_t)(e - line), "spool", 5) != NULL;
        if (line == e || *line == '#') {
            line = next;
            continue;
        }
        if (*line == '[') {
            const char *close = memchr(line, ']', (size_t)(e - line));
            if (!close || says_spool || !bare_key(line + 1, close) || !line_ends(close + 1, e)) return free(spool), NULL;
            in_queue = close - line == 6 && !memcmp(line + 1, "queue", 5);
            if (in_queue && queues++) return free(spool), NULL;
        } else {
            const char *eq = memchr(line, '=', (size_t)(e - line)), *k = eq;
            if (!eq) return free(spool), NULL;
            while (k > line && (k[-1] == ' ' || k[-1] == '\t')) k--;
            const char *v = skip_space(eq + 1, e);
            if (!bare_key(line, k) || v == e || !one_line(v, e)) return free(spool), NULL;
            if (k - line == 5 && !memcmp(line, "spool", 5)) {
                const char *q = v + 1;
                while (q < e && *q != *v && *q >= 0x20 && *q < 0x7f && *q != '\\') q++;
                if (!in_queue || spool || (*v != '"' && *v != '\'') || q >= e || *q != *v || q == v + 1
                    || !line_ends(q + 1, e))
                    return free(spool), NULL;
                if (!(spool = strndup(v + 1, (size_t)(q - v - 1)))) return NULL;
            } else if (says_spool) {
                return free(spool), NULL;
            }
        }
        line = next;
    }
    return spool ? spool : strdup(default_spool);
}

/* Reads the config file as the Java command would; -1 (then the JVM says why) when it cannot. */
static int read_file(const char *name, struct buf *b) {
    char chunk[8192];
    int fd = open(name, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    for (ssize_t n; (n = read_some(fd, chunk, sizeof chunk)) != 0; ) {
        if (n < 0 || b->len + (size_t)n > MAX_CONFIG) return close(fd), errno = EFBIG, -1;
        add(b, chunk, (size_t)n);
    }
    add(b, "", 1); /* a NUL after the text, which itself has none (config_spool checks) */
    b->len--;
    return close(fd);
}

/*
 * The default spool, as config/DefaultSpool finds it: var/spool in the directory above this
 * binary's (target/), never the working directory's. 0 when /proc/self/exe cannot tell.
 */
static int find_home(void) {
    ssize_t n = readlink("/proc/self/exe", home, sizeof home - 16);
    if (n <= 0) return 0;
    home[n] = 0;
    for (int i = 0; i < 2; i++) {
        char *slash = strrchr(home, '/');
        if (!slash || slash == home) return 0;
        *slash = 0;
    }
    return 1;
}

/*
 * The config file `name` is not readable for us (mode 600): the daemon's published part of it,
 * DEFAULT_SPOOL/public/sendmail.conf (cli/PublicConfig), when its first line names that same file
 * (config = "REALPATH"), which is then blanked out for config_spool. Its name goes to `*file`.
 * 0 (then the Java command says why) when there is none for this file.
 */
static int published(const char *name, struct buf *b, char *file, size_t size) {
    char real[PATH_MAX];
    if (!realpath(name, real)) { /* a directory we may not search: the name itself, if absolute */
        if (name[0] != '/' || strlen(name) >= sizeof real) return 0;
        strcpy(real, name);
    }
    if ((size_t)snprintf(file, size, "%s/var/spool/public/sendmail.conf", home) >= size) return 0;
    b->len = 0;
    if (read_file(file, b) < 0) return 0;
    size_t n = strlen(real);
    char *nl = memchr(b->p, '\n', b->len);
    if (!nl || (size_t)(nl - b->p) != n + 11 || memcmp(b->p, "config = \"", 10) || memcmp(b->p + 10, real, n)
        || b->p[10 + n] != '"' || memchr(real, '\\', n) || memchr(real, '"', n))
        return 0;
    memset(b->p, ' ', (size_t)(nl - b->p));
    return 1;
}

/*
 * Reads standard input as cli/MessageText does: to the end, or, when the daemon says so (no -i),
 * to the end of a line that is "." (a CR before the LF ignored), so an interactive session or a
 * writer that keeps the pipe open ends at the dot as with the Java command. Returns 0, or 1 when
 * the message outgrew MAX_MESSAGE (then everything read is in the memfd `spill`).
 */
static int read_input(int dot_ends) {
    int col = 0;
    char start[2] = {0, 0};
    input_touched = 1;
    for (;;) {
        char chunk[65536];
        ssize_t n = read_some(0, chunk, sizeof chunk);
        if (n < 0) die(EX_IOERR, "cannot read the message from standard input", errno);
        if (n == 0) return spill >= 0;
        int dot = 0;
        for (ssize_t i = 0; i < n && !dot; i++, col += col < 3) { /* col: bytes of this line so far */
            if (chunk[i] != '\n') {
                if (col < 2) start[col] = chunk[i];
                continue;
            }
            dot = dot_ends && start[0] == '.' && (col == 1 || (col == 2 && start[1] == '\r'));
            col = -1;
        }
        if (spill < 0 && input.len + (size_t)n > MAX_MESSAGE) spill_input();
        if (spill < 0)
            add(&input, chunk, (size_t)n);
        else if (write_all(spill, chunk, (size_t)n, 0) < 0)
            die(EX_TEMPFAIL, "cannot keep the message for the Java command", errno);
        if (dot) return spill >= 0;
    }
}

/*
 * One answer from the daemon: 'i' for "input D\n" (send the message; D = 1: a lone dot ends it),
 * 'e' for "exit CODE LENGTH\n" + LENGTH bytes of text; 0 for "jvm WHY\n" and for anything else,
 * including a daemon that went away before a complete answer. A "temp" answer (the daemon is busy)
 * and no answer within the timeout also give 0, and mark the daemon unusable for this message.
 */
static int answer(int fd, struct buf *b, int *value) {
    char chunk[4096];
    size_t len;
    b->len = 0;
    for (ssize_t n; (n = read_some(fd, chunk, sizeof chunk)) != 0; ) {
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) daemon_unusable = 1;
        if (n < 0 || b->len + (size_t)n > MAX_ANSWER + 64) return 0;
        add(b, chunk, (size_t)n);
        if (b->len >= 8 && !memcmp(b->p, "input ", 6) && b->p[b->len - 1] == '\n') break;
    }
    add(b, "", 1);
    char *nl = memchr(b->p, '\n', b->len);
    if (b->len >= 5 && !memcmp(b->p, "temp ", 5)) daemon_unusable = 1;
    if (!nl) return 0;
    if (!strcmp(b->p, "input 0\n") || !strcmp(b->p, "input 1\n")) return *value = b->p[6] == '1', 'i';
    if (sscanf(b->p, "exit %d %zu\n", value, &len) == 2 && *value >= 0 && *value <= 255
        && (size_t)(b->p + b->len - 1 - (nl + 1)) == len) {
        memmove(b->p, nl + 1, len);
        b->len = len;
        return 'e';
    }
    return 0;
}

int main(int argc, char **argv) {
    const char *config_opt = NULL, *name, *base = strrchr(argv[0], '/');
    struct buf req = {0}, config = {0}, reply = {0};
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    char zone[32]; /* also the head of phase 2 */
    int value, fd;
    args = argv;
    base = base ? base + 1 : argv[0];
    if (getenv("MAILFERRY_NATIVE") && !strcmp(getenv("MAILFERRY_NATIVE"), "off"))
        die(EX_TEMPFAIL, "MAILFERRY_NATIVE=off, yet the native client was run (MAILFERRY_SENDMAIL_JVM loops back?)", 0);
    for (int i = 0; i <= 2; i++) /* a closed 0, 1 or 2 would be our socket's: /dev/null, as Postfix does */
        if (fcntl(i, F_GETFD) < 0 && open("/dev/null", O_RDWR) != i) die(EX_TEMPFAIL, "cannot open /dev/null", errno);
    if (!strcmp(base, "mailq") || !strcmp(base, "newaliases") || argc - 1 > MAX_ARGS || !plain_send(argc, argv, &config_opt))
        jvm();
    /* MAILFERRY_* overrides of the keys the command reads: the Java command applies them (SendmailConfig) */
    if (getenv("MAILFERRY_QUEUE_SPOOL") || getenv("MAILFERRY_SMTPD_HOSTNAME") || getenv("MAILFERRY_SENDMAIL_ORIGIN_DOMAIN"))
        jvm();
    name = config_opt ? config_opt : getenv("MAILFERRY_CONFIG") ? getenv("MAILFERRY_CONFIG") : "";
    char default_spool[PATH_MAX + 16], summary[PATH_MAX + 48];
    if (!find_home()) jvm();
    snprintf(default_spool, sizeof default_spool, "%s/var/spool", home);
    if (*name && read_file(name, &config) < 0) {
        if (errno != EACCES || !published(name, &config, summary, sizeof summary)) jvm();
        name = summary; /* sent as the file read: the daemon reads the same text */
    }
    char *spool = *name ? config_spool(config.p, config.len, default_spool) : strdup(default_spool);
    if (!spool || !*spool || (size_t)snprintf(addr.sun_path, sizeof addr.sun_path, "%s/public/submit.sock", spool)
                                  >= sizeof addr.sun_path)
        jvm();
    const char *limit = getenv("MAILFERRY_SUBMIT_TIMEOUT");
    double wait = limit && *limit ? strtod(limit, NULL) : 0;
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) jvm();
    timeout(fd, SO_SNDTIMEO, wait > 0 ? wait : CONNECT_TIMEOUT);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        if (errno == EAGAIN || errno == EINPROGRESS) daemon_unusable = 1; /* its backlog stayed full */
        jvm(); /* no daemon: the Java command writes to the maildrop */
    }
    timeout(fd, SO_SNDTIMEO, wait > 0 ? wait : ANSWER_TIMEOUT);
    timeout(fd, SO_RCVTIMEO, wait > 0 ? wait : ANSWER_TIMEOUT);

    /* Phase 1: the command line, the config as read, the time zone; the daemon decides. */
    time_t now = time(NULL);
    struct tm tm;
    add(&req, "SEND\n", 5);
    for (int i = 1; i < argc; i++) field(&req, "arg", argv[i], strlen(argv[i]));
    if (req.len > MAX_ARG_BYTES) jvm();
    if (config_opt) field(&req, "C", config_opt, strlen(config_opt));
    field(&req, "config", name, strlen(name));
    if (*name) field(&req, "toml", config.p, config.len);
    field(&req, "spool", spool, strlen(spool));
    field(&req, "zone", zone, (size_t)snprintf(zone, sizeof zone, "%ld", localtime_r(&now, &tm) ? (long)tm.tm_gmtoff : 0L));
    add(&req, "\n", 1);
    if (write_all(fd, req.p, req.len, 1) < 0 && stalled()) jvm();
    switch (answer(fd, &reply, &value)) {
        case 'e': break;  /* a usage or config error: the Java command would not read stdin either */
        case 'i':         /* Phase 2: the message; value says whether a lone dot ends it */
            if (read_input(value)) jvm();
            size_t n = (size_t)snprintf(zone, sizeof zone, "input %zu\n", input.len);
            if ((write_all(fd, zone, n, 1) < 0 && stalled()) || (write_all(fd, input.p, input.len, 1) < 0 && stalled())
                || shutdown(fd, SHUT_WR) < 0 || answer(fd, &reply, &value) != 'e')
                jvm();
            break;
        default: jvm();
    }
    signal(SIGPIPE, SIG_IGN); /* a closed stderr must not turn an accepted message into a signal */
    write_all(2, reply.p, reply.len, 0);
    return value;
}
