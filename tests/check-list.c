/* check-list.c - unit tests of listing and describing objects
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "check-common.h"
#include "tool-list.h"

static const ShmipcObjectInfo *
find_object (GPtrArray     *objects,
             ShmipcBackend  backend,
             const gchar   *name,
             gint32         key)
{
  guint i;

  for (i = 0; i < objects->len; i++)
    {
      const ShmipcObjectInfo *info = objects->pdata[i];

      if (info->backend != backend)
        continue;
      if (backend == SHMIPC_BACKEND_POSIX && g_strcmp0 (info->name, name) == 0)
        return info;
      if (backend == SHMIPC_BACKEND_SYSV && info->key == key)
        return info;
    }
  return NULL;
}

static gboolean
has_pid (const ShmipcObjectInfo *info,
         gint32                  pid)
{
  guint i;

  for (i = 0; i < info->pids->len; i++)
    if (g_array_index (info->pids, gint32, i) == pid)
      return TRUE;
  return FALSE;
}

/* Creates an object, and checks that listing and lookup describe it. */
static void
check_listed (ShmipcBackend backend)
{
  g_autofree gchar *name = test_unique_name ("list");
  g_autoptr(GError) error = NULL;
  g_autoptr(ShmipcSegment) segment = NULL;
  g_autoptr(GPtrArray) objects = NULL;
  g_autoptr(ShmipcObjectInfo) looked_up = NULL;
  g_autoptr(ShmipcObjectInfo) copy = NULL;
  g_autoptr(GString) table = g_string_new (NULL);
  g_autoptr(GString) text = g_string_new (NULL);
  const ShmipcObjectInfo *info;
  gint32 key = shmipc_name_to_key (name);

  segment = shmipc_segment_open (name, SHMIPC_OPEN_CREATE | SHMIPC_OPEN_EXCLUSIVE,
                                 12345, 0640, backend, &error);
  ck_assert_no_error (error);
  memcpy (shmipc_segment_get_data (segment), "payload", 7);

  objects = shmipc_list_objects (&error);
  ck_assert_no_error (error);
  info = find_object (objects, backend, name, key);
  ck_assert_msg (info != NULL, "%s not listed", name);
  ck_assert_uint_eq (info->size, backend == SHMIPC_BACKEND_SYSV ? 12345 : 12345);
  ck_assert_uint_eq (info->mode, 0640);
  ck_assert_uint_eq (info->uid, getuid ());
  ck_assert_ptr_nonnull (info->owner);
  ck_assert_str_eq (shmipc_object_format_to_string (info->format), "raw");
  /* We hold it mapped, so we are one of its users. */
  ck_assert_msg (has_pid (info, getpid ()), "own pid %d not among the users", (int) getpid ());
  ck_assert_uint_ge (info->nattch, 1);
  if (backend == SHMIPC_BACKEND_SYSV)
    {
      ck_assert_int_ge (info->id, 0);
      ck_assert_ptr_null (info->name);
      ck_assert_int_eq (info->cpid, getpid ());
    }
  else
    {
      ck_assert_int_eq (info->id, -1);
      ck_assert_int_eq (info->key, 0);
    }

  copy = shmipc_object_info_copy (info);
  ck_assert_uint_eq (copy->size, info->size);
  ck_assert_uint_eq (copy->pids->len, info->pids->len);

  looked_up = shmipc_object_info_lookup (name, backend, &error);
  ck_assert_no_error (error);
  ck_assert_uint_eq (looked_up->backend, backend);
  ck_assert_uint_eq (looked_up->size, 12345);
  ck_assert_uint_eq (looked_up->mode, 0640);

  if (backend == SHMIPC_BACKEND_SYSV)
    {
      g_autoptr(ShmipcObjectInfo) by_key = shmipc_object_info_lookup_key (key, &error);

      ck_assert_no_error (error);
      ck_assert_int_eq (by_key->id, info->id);
    }

  tool_list_format (objects, table);
  ck_assert (g_str_has_prefix (table->str, "TYPE "));
  if (backend == SHMIPC_BACKEND_POSIX)
    ck_assert_ptr_nonnull (strstr (table->str, name));
  else
    {
      g_autofree gchar *hex = g_strdup_printf ("0x%08x", (guint32) key);

      ck_assert_ptr_nonnull (strstr (table->str, hex));
    }
  tool_info_format (looked_up, text);
  ck_assert_ptr_nonnull (strstr (text->str, "Size: 12345\n"));
  ck_assert_ptr_nonnull (strstr (text->str, "Mode: 0640\n"));
  ck_assert_ptr_nonnull (strstr (text->str, "Format: raw\n"));

  shmipc_segment_unlink (segment, NULL);
  g_clear_pointer (&objects, g_ptr_array_unref);
  objects = shmipc_list_objects (&error);
  ck_assert_no_error (error);
  if (backend == SHMIPC_BACKEND_POSIX)
    ck_assert_ptr_null (find_object (objects, backend, name, key));
}

START_TEST (test_list_posix)
{
  TEST_SKIP_UNLESS (shmipc_backend_is_available (SHMIPC_BACKEND_POSIX),
                    "no POSIX shared memory in this build or system");
  check_listed (SHMIPC_BACKEND_POSIX);
}
END_TEST

START_TEST (test_list_sysv)
{
  check_listed (SHMIPC_BACKEND_SYSV);
}
END_TEST

START_TEST (test_lookup_missing)
{
  g_autofree gchar *name = test_unique_name ("missing");
  g_autoptr(GError) error = NULL;
  g_autoptr(ShmipcObjectInfo) info = NULL;

  info = shmipc_object_info_lookup (name, SHMIPC_BACKEND_AUTO, &error);
  ck_assert_ptr_null (info);
  ck_assert_shmipc_error (error, SHMIPC_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* A key no test uses: made of this pid, with a marker in the top bits. */
  info = shmipc_object_info_lookup_key ((gint32) (0x5a000000 | (getpid () & 0xffffff)), &error);
  ck_assert_ptr_null (info);
  ck_assert_shmipc_error (error, SHMIPC_ERROR_NOT_FOUND);
  g_clear_error (&error);

  info = shmipc_object_info_lookup_key (0, &error);
  ck_assert_ptr_null (info);
  ck_assert_shmipc_error (error, SHMIPC_ERROR_INVALID_ARGUMENT);
}
END_TEST

START_TEST (test_json)
{
  g_autofree gchar *name = test_unique_name ("json");
  g_autoptr(GError) error = NULL;
  g_autoptr(ShmipcSegment) segment = NULL;
  g_autoptr(GPtrArray) objects = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GString) json = g_string_new (NULL);
  g_autoptr(GString) one = g_string_new (NULL);
  JsonArray *array;
  JsonObject *found = NULL;
  gint32 key = shmipc_name_to_key (name);
  g_autofree gchar *hex_key = g_strdup_printf ("0x%08x", (guint32) key);
  guint i;

  segment = shmipc_segment_open (name, SHMIPC_OPEN_CREATE | SHMIPC_OPEN_EXCLUSIVE,
                                 4096, 0600, SHMIPC_BACKEND_SYSV, &error);
  ck_assert_no_error (error);

  objects = shmipc_list_objects (&error);
  ck_assert_no_error (error);
  tool_list_to_json (objects, TRUE, json);
  ck_assert (json_parser_load_from_data (parser, json->str, -1, &error));
  ck_assert_no_error (error);
  ck_assert (JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)));
  array = json_node_get_array (json_parser_get_root (parser));
  ck_assert_uint_eq (json_array_get_length (array), objects->len);
  for (i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *object = json_array_get_object_element (array, i);

      if (g_strcmp0 (json_object_get_string_member (object, "type"), "sysv") == 0 &&
          g_strcmp0 (json_object_get_string_member (object, "key"), hex_key) == 0)
        found = object;
    }
  ck_assert_msg (found != NULL, "key %s not in the JSON", hex_key);
  ck_assert_int_eq (json_object_get_int_member (found, "size"), 4096);
  ck_assert_str_eq (json_object_get_string_member (found, "mode"), "0600");
  ck_assert_str_eq (json_object_get_string_member (found, "format"), "raw");
  ck_assert (json_object_get_null_member (found, "name"));
  ck_assert_int_ge (json_object_get_int_member (found, "attached"), 1);
  ck_assert_int_ge (json_array_get_length (json_object_get_array_member (found, "pids")), 1);

  tool_info_to_json (find_object (objects, SHMIPC_BACKEND_SYSV, NULL, key), FALSE, one);
  ck_assert (json_parser_load_from_data (parser, one->str, -1, &error));
  ck_assert (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  ck_assert_ptr_null (strchr (one->str, '\n'));

  shmipc_segment_unlink (segment, NULL);
}
END_TEST

static Suite *
list_suite (void)
{
  Suite *suite = suite_create ("list");
  TCase *tc = tcase_create ("objects");

  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_list_posix);
  tcase_add_test (tc, test_list_sysv);
  tcase_add_test (tc, test_lookup_missing);
  tcase_add_test (tc, test_json);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  Suite *suites[] = { list_suite () };

  return test_run_suites (suites, G_N_ELEMENTS (suites));
}
