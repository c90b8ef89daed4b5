#ifndef TOLLGATE_CNCURSES_SHIM_H
#define TOLLGATE_CNCURSES_SHIM_H

// Without this, curses.h hides cchar_t, get_wch, setcchar and the other wide-character
// functions, and Swift would only see the byte-oriented API.
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <term.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>

// MARK: - Attribute macros (macros do not import into Swift)

// A_* are macros built from NCURSES_BITS, which Swift cannot evaluate.
static inline attr_t tg_a_normal(void) { return A_NORMAL; }
static inline attr_t tg_a_bold(void) { return A_BOLD; }
static inline attr_t tg_a_dim(void) { return A_DIM; }
static inline attr_t tg_a_underline(void) { return A_UNDERLINE; }
static inline attr_t tg_a_reverse(void) { return A_REVERSE; }
static inline attr_t tg_a_standout(void) { return A_STANDOUT; }
#ifdef A_ITALIC
// A_ITALIC exists only in newer ncurses; terminals without it fall back to underline.
static inline attr_t tg_a_italic(void) { return A_ITALIC; }
#else
static inline attr_t tg_a_italic(void) { return A_UNDERLINE; }
#endif

// MARK: - Colours

// COLORS and COLOR_PAIRS are macros over functions or globals depending on the build.
static inline int tg_colors(void) { return COLORS; }
static inline int tg_color_pairs(void) { return COLOR_PAIRS; }

// MARK: - Screen size

// getmaxyx is a macro that assigns to its arguments.
static inline void tg_getmaxyx(WINDOW *win, int *rows, int *cols) {
    int y, x;
    getmaxyx(win, y, x);
    *rows = y;
    *cols = x;
}

// stdscr is a macro (or a thread-local accessor) in some ncurses builds.
static inline WINDOW *tg_stdscr(void) { return stdscr; }

// MARK: - Keys (KEY_* are macros; KEY_F(n) is a function-like macro)

static inline int tg_key_code_yes(void) { return KEY_CODE_YES; }
static inline int tg_key_resize(void) { return KEY_RESIZE; }
static inline int tg_key_up(void) { return KEY_UP; }
static inline int tg_key_down(void) { return KEY_DOWN; }
static inline int tg_key_left(void) { return KEY_LEFT; }
static inline int tg_key_right(void) { return KEY_RIGHT; }
static inline int tg_key_home(void) { return KEY_HOME; }
static inline int tg_key_end(void) { return KEY_END; }
static inline int tg_key_ppage(void) { return KEY_PPAGE; }
static inline int tg_key_npage(void) { return KEY_NPAGE; }
static inline int tg_key_enter(void) { return KEY_ENTER; }
static inline int tg_key_backspace(void) { return KEY_BACKSPACE; }
static inline int tg_key_dc(void) { return KEY_DC; }
static inline int tg_key_btab(void) { return KEY_BTAB; }
static inline int tg_key_mouse(void) { return KEY_MOUSE; }

// MARK: - Mouse (the masks are macros built from shifts)

static inline mmask_t tg_mouse_mask(void) {
    return BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED
#ifdef BUTTON5_PRESSED
        | BUTTON5_PRESSED
#endif
        ;
}
static inline int tg_mouse_is_click(mmask_t state) { return (state & (BUTTON1_CLICKED | BUTTON1_PRESSED)) != 0; }
static inline int tg_mouse_is_wheel_up(mmask_t state) { return (state & BUTTON4_PRESSED) != 0; }
static inline int tg_mouse_is_wheel_down(mmask_t state) {
#ifdef BUTTON5_PRESSED
    return (state & BUTTON5_PRESSED) != 0;
#else
    return 0;
#endif
}

// MARK: - Standard streams

// stdin and stdout are mutable C globals, which Swift 6 refuses to read from concurrent code.
static inline FILE *tg_stdin(void) { return stdin; }
static inline FILE *tg_stdout(void) { return stdout; }

// MARK: - Character widths

// wcwidth is declared only under _XOPEN_SOURCE, which Swift's Glibc module does not set; this
// is the width curses itself uses to place characters.
static inline int tg_wcwidth(wchar_t c) { return wcwidth(c); }

// MARK: - Terminal capabilities

// `cursor_address` is a macro into the current terminal's string table; tigetstr answers NULL
// or (char *)-1 when the terminal lacks it. Without it (TERM=dumb) a full-screen UI cannot work.
static inline int tg_can_address_cursor(void) {
    char *cup = tigetstr("cup");
    return cup != NULL && cup != (char *)-1;
}

// MARK: - Memory

// Swift's Glibc module does not export malloc.h. After a burst (thousands of feed events decoded
// on one thread, upserted on another), glibc keeps the freed pages of each thread's arena; this
// gives them back to the system.
static inline void tg_release_free_memory(void) { malloc_trim(0); }

// MARK: - Locale

// CODESET is a macro; nl_langinfo tells whether the locale's charset is UTF-8.
static inline const char *tg_codeset(void) { return nl_langinfo(CODESET); }

// MARK: - Signals

// sigaction's union member names are macros (sa_handler), so install handlers from C.
static inline int tg_install_handler(int signo, void (*handler)(int)) {
    struct sigaction action;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;
    action.sa_handler = handler;
    return sigaction(signo, &action, NULL);
}

// MARK: - Restoring the terminal after a crash

// A crash (a trap, SIGSEGV, abort) skips endwin() and would leave the user's terminal raw and
// on the alternate screen. These handlers do only async-signal-safe things: put back the tty
// modes saved before curses started, write the saved "leave alternate screen" and "show
// cursor" strings, then re-raise the signal with its default action.
struct tg_restore_state {
    struct termios tty;
    int tty_valid;
    char bytes[128];
    size_t length;
};

// Storage inside a function: Swift emits inline functions, never a header's static variables.
static inline struct tg_restore_state *tg_restore(void) {
    static struct tg_restore_state state;
    return &state;
}

static inline void tg_crash_handler(int signo) {
    struct tg_restore_state *r = tg_restore();
    if (r->tty_valid) tcsetattr(STDIN_FILENO, TCSANOW, &r->tty);
    if (r->length > 0) { ssize_t ignored = write(STDOUT_FILENO, r->bytes, r->length); (void)ignored; }
    signal(signo, SIG_DFL);
    raise(signo);
}

// Call before newterm(): remembers the tty modes.
static inline void tg_save_tty(void) {
    tg_restore()->tty_valid = tcgetattr(STDIN_FILENO, &tg_restore()->tty) == 0;
}

// Call after newterm(): remembers how to leave curses' screen, and installs the handlers.
static inline void tg_install_crash_restore(void) {
    const char *parts[] = { "\033[?2004l", tigetstr("rmcup"), tigetstr("cnorm"), tigetstr("sgr0") };
    struct tg_restore_state *r = tg_restore();
    r->length = 0;
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        const char *p = parts[i];
        if (p == NULL || p == (const char *)-1) continue;
        size_t n = strlen(p);
        if (r->length + n >= sizeof(r->bytes)) break;
        memcpy(r->bytes + r->length, p, n);
        r->length += n;
    }
    int signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE };
    for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) tg_install_handler(signals[i], tg_crash_handler);
}

// After a clean endwin(): the crash handlers have nothing left to restore.
static inline void tg_remove_crash_restore(void) {
    int signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE };
    for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) signal(signals[i], SIG_DFL);
    tg_restore()->length = 0;
    tg_restore()->tty_valid = 0;
}

#endif
