#ifndef MAESTRO_CARCHIVE_SHIM_H
#define MAESTRO_CARCHIVE_SHIM_H

#include <archive.h>
#include <archive_entry.h>
#include <locale.h>

// libarchive's AE_IF* file-type macros are cast expressions, which Swift
// cannot import; these constants carry the same values.
static const unsigned int maestro_AE_IFMT = AE_IFMT;
static const unsigned int maestro_AE_IFREG = AE_IFREG;
static const unsigned int maestro_AE_IFDIR = AE_IFDIR;
static const unsigned int maestro_AE_IFLNK = AE_IFLNK;
static const unsigned int maestro_AE_IFSOCK = AE_IFSOCK;
static const unsigned int maestro_AE_IFCHR = AE_IFCHR;
static const unsigned int maestro_AE_IFBLK = AE_IFBLK;
static const unsigned int maestro_AE_IFIFO = AE_IFIFO;

#endif
