/* check-dlopen.c - the SIGBUS guard in a libshmipc loaded with dlopen()
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Python (through GObject Introspection) and other language runtimes load
 * libshmipc with dlopen(). This program is not linked with it: it loads
 * the built library, maps a POSIX object, truncates it through a second
 * descriptor, and requires a copy out of the lost pages to fail with
 * SHMIPC_ERROR_CORRUPT, in the main thread and in a thread started after
 * the load. Then it unloads the library (which -z nodelete keeps mapped,
 * so that the SIGBUS handler it installed stays valid) and requires a
 * SIGBUS raised afterwards to end a child process exactly as it did
 * before the library was loaded (killed by SIGBUS; under AddressSanitizer,
 * whose handler was there first, aborted). Exit status 0 on success, 77
 * when there is no POSIX shared memory.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>

/* The few entry points used, by hand: nothing here links libshmipc. */
typedef gpointer (*OpenFunc) (const gchar *, guint, gsize, guint, guint, GError **);
typedef gboolean (*CopyOutFunc) (gpointer, gsize, gpointer, gsize, GError **);
typedef void (*FreeFunc) (gpointer);
typedef GQuark (*QuarkFunc) (void);

static CopyOutFunc copy_out;
static QuarkFunc error_quark;
static OpenFunc open_segment;

#define OPEN_CREATE 1
#define OPEN_EXCLUSIVE 2
#define BACKEND_POSIX 1
#define ERROR_CORRUPT 12
#define SIZE (1024 * 1024)

static void
die (const char *what)
{
  fprintf (stderr, "check-dlopen: %s\n", what);
  exit (1);
}

/* How a child that raises SIGBUS ends: its wait status. */
static int
raise_in_child (void)
{
  int status;
  pid_t pid = fork ();

  if (pid == 0)
    {
      raise (SIGBUS);
      _exit (0);
    }
  if (pid < 0 || waitpid (pid, &status, 0) != pid)
    die ("cannot run a child");
  return status;
}

static void *
must_load (void *handle, const char *symbol)
{
  void *p = dlsym (handle, symbol);

  if (p == NULL)
    die (dlerror ());
  return p;
}

/* Maps a new object and truncates it to 4096 bytes behind the mapping's
 * back; the object's name is removed at once. */
static gpointer
truncated_segment (const gchar *name)
{
  GError *error = NULL;
  gpointer segment;
  int fd;

  segment = open_segment (name, OPEN_CREATE | OPEN_EXCLUSIVE, SIZE, 0600, BACKEND_POSIX, &error);
  if (segment == NULL)
    {
      fprintf (stderr, "check-dlopen: %s: skipped\n", error->message);
      exit (77);
    }
  fd = shm_open (name, O_RDWR, 0);
  if (fd < 0 || ftruncate (fd, 4096) != 0)
    die ("cannot truncate the object");
  close (fd);
  shm_unlink (name);
  return segment;
}

/* A copy past the new end of @segment's object must fail as truncated. */
static gpointer
copy_lost_pages (gpointer segment)
{
  GError *error = NULL;
  guint8 buffer[64];

  if (copy_out (segment, SIZE / 2, buffer, sizeof buffer, &error))
    return (gpointer) "the copy out of truncated pages succeeded";
  if (error == NULL || error->domain != error_quark () || error->code != ERROR_CORRUPT)
    return (gpointer) "the copy out of truncated pages did not fail with SHMIPC_ERROR_CORRUPT";
  g_error_free (error);
  return NULL;
}

int
main (void)
{
  const char *builddir = g_getenv ("abs_top_builddir");
  g_autofree gchar *path = NULL;
  g_autofree gchar *name = g_strdup_printf ("/shmipc-test-%d-dlopen", (int) getpid ());
  g_autofree gchar *name2 = g_strdup_printf ("/shmipc-test-%d-dlopen-thread", (int) getpid ());
  FreeFunc free_segment;
  const char *problem;
  gpointer segment;
  gpointer segment2;
  pthread_t thread;
  void *handle;
  void *result;
  int before;
  int after;

  if (access ("/dev/shm", W_OK) != 0)
    {
      fprintf (stderr, "check-dlopen: no /dev/shm: skipped\n");
      return 77;
    }
  before = raise_in_child ();
  path = g_build_filename (builddir != NULL ? builddir : ".", "lib", ".libs", "libshmipc.so", NULL);
  handle = dlopen (path, RTLD_NOW | RTLD_LOCAL);
  if (handle == NULL)
    die (dlerror ());
  open_segment = must_load (handle, "shmipc_segment_open");
  copy_out = must_load (handle, "shmipc_segment_copy_out");
  free_segment = must_load (handle, "shmipc_segment_free");
  error_quark = must_load (handle, "shmipc_error_quark");

  segment = truncated_segment (name);
  segment2 = truncated_segment (name2);
  if ((problem = copy_lost_pages (segment)) != NULL)
    die (problem);
  /* A thread started after the load, whose TLS for the library is
   * allocated only now, runs a guard of its own. */
  if (pthread_create (&thread, NULL, copy_lost_pages, segment2) != 0 ||
      pthread_join (thread, &result) != 0)
    die ("cannot run a thread");
  if (result != NULL)
    die (result);
  free_segment (segment);
  free_segment (segment2);
  dlclose (handle);

  /* After dlclose(), the handler libshmipc installed must still be there
   * to call, and hand a SIGBUS that is not libshmipc's to the action that
   * was in place before. */
  after = raise_in_child ();
  if (after != before)
    {
      fprintf (stderr, "check-dlopen: raise(SIGBUS) after dlclose(): wait status 0x%x, "
               "0x%x before the load\n", after, before);
      return 1;
    }
  printf ("check-dlopen: the guard works in a dlopen()ed libshmipc\n");
  return 0;
}
