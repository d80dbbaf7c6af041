/* The C floor for scripts/bench: what the hardware does with no more than zlib, libxml2's
 * streaming reader and plain SQLite inserts (one prepared statement, one transaction, no
 * indexes). It decompresses every .gz/.zip/plain DMARC file of a folder, stream-parses it,
 * inserts one row per record, and prints {"records": n, "messages": m}. TLS-RPT files are
 * skipped. No error handling beyond what a measurement needs: this is a yardstick, not a tool. */
#include <dirent.h>
#include <libxml/xmlreader.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unzip.h>
#include <zlib.h>

static sqlite3_stmt *insert;
static long long records, messages;

static void parse(const char *data, size_t size) {
    xmlTextReaderPtr reader = xmlReaderForMemory(data, (int)size, NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!reader) return;
    char ip[64] = "", disposition[32] = "";
    long long count = 0;
    int field = 0; /* 1 source_ip, 2 count, 3 disposition */
    while (xmlTextReaderRead(reader) == 1) {
        int type = xmlTextReaderNodeType(reader);
        const char *name = (const char *)xmlTextReaderConstLocalName(reader);
        if (type == XML_READER_TYPE_ELEMENT) {
            field = !strcmp(name, "source_ip") ? 1 : !strcmp(name, "count") ? 2 : !strcmp(name, "disposition") ? 3 : 0;
        } else if (type == XML_READER_TYPE_TEXT && field) {
            const char *value = (const char *)xmlTextReaderConstValue(reader);
            if (field == 1) snprintf(ip, sizeof ip, "%s", value);
            else if (field == 2) count = atoll(value);
            else snprintf(disposition, sizeof disposition, "%s", value);
        } else if (type == XML_READER_TYPE_END_ELEMENT) {
            field = 0;
            if (!strcmp(name, "record")) {
                sqlite3_bind_text(insert, 1, ip, -1, SQLITE_TRANSIENT);
                sqlite3_bind_int64(insert, 2, count);
                sqlite3_bind_text(insert, 3, disposition, -1, SQLITE_TRANSIENT);
                sqlite3_step(insert);
                sqlite3_reset(insert);
                records++;
                messages += count;
            }
        }
    }
    xmlFreeTextReader(reader);
}

static void gunzip(const unsigned char *data, size_t size) {
    z_stream s = {0};
    inflateInit2(&s, 16 + MAX_WBITS);
    size_t capacity = size * 8 + 4096, used = 0;
    unsigned char *out = malloc(capacity);
    s.next_in = (unsigned char *)data;
    s.avail_in = (unsigned)size;
    int rc;
    do {
        if (capacity - used < 65536) { capacity *= 2; out = realloc(out, capacity); }
        s.next_out = out + used;
        s.avail_out = (unsigned)(capacity - used);
        rc = inflate(&s, Z_NO_FLUSH);
        used = capacity - s.avail_out;
    } while (rc == Z_OK);
    inflateEnd(&s);
    parse((const char *)out, used);
    free(out);
}

static void unzip_file(const char *path) {
    unzFile zip = unzOpen(path);
    if (!zip) return;
    for (int rc = unzGoToFirstFile(zip); rc == UNZ_OK; rc = unzGoToNextFile(zip)) {
        unz_file_info info;
        unzGetCurrentFileInfo(zip, &info, NULL, 0, NULL, 0, NULL, 0);
        char *out = malloc(info.uncompressed_size + 1);
        unzOpenCurrentFile(zip);
        int got = unzReadCurrentFile(zip, out, (unsigned)info.uncompressed_size);
        unzCloseCurrentFile(zip);
        if (got > 0) parse(out, (size_t)got);
        free(out);
    }
    unzClose(zip);
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: floor DB FOLDER\n"); return 2; }
    sqlite3 *db;
    sqlite3_open(argv[1], &db);
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; CREATE TABLE record(source_ip TEXT, count INTEGER, disposition TEXT);", 0, 0, 0);
    sqlite3_prepare_v2(db, "INSERT INTO record VALUES (?, ?, ?)", -1, &insert, NULL);
    sqlite3_exec(db, "BEGIN", 0, 0, 0);
    DIR *dir = opendir(argv[2]);
    struct dirent *entry;
    char path[4096];
    while ((entry = readdir(dir))) {
        if (entry->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s", argv[2], entry->d_name);
        FILE *file = fopen(path, "rb");
        if (!file) continue;
        fseek(file, 0, SEEK_END);
        long size = ftell(file);
        rewind(file);
        unsigned char *data = malloc(size + 1);
        size_t got = fread(data, 1, size, file);
        fclose(file);
        if (got >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
            gunzip(data, got);
        } else if (got >= 4 && !memcmp(data, "PK\3\4", 4)) {
            unzip_file(path);
        } else if (got > 0 && data[0] == '<') {
            parse((const char *)data, got);
        }
        free(data);
    }
    closedir(dir);
    sqlite3_exec(db, "COMMIT", 0, 0, 0);
    sqlite3_finalize(insert);
    sqlite3_close(db);
    printf("{\"records\": %lld, \"messages\": %lld}\n", records, messages);
    return 0;
}
