// Permission-checked reading of secret files.
#include "core/secret_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace comply {

// Checks the file's type and permissions like PostgreSQL's ssl_key_file, then reads it.
std::string ReadSecretFile(const std::string& path, const std::string& setting) {
  const std::string file = setting.empty() ? "key file \"" + path + "\"" : "the key file of " + setting;
  struct stat st;
  if (stat(path.c_str(), &st) != 0)
    throw Error(sqlstate::kConfigFileError, "could not access " + file + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    throw Error(sqlstate::kConfigFileError, file + " is not a regular file");
  bool owner_ok = st.st_uid == geteuid() && (st.st_mode & (S_IRWXG | S_IRWXO)) == 0;
  bool root_ok = st.st_uid == 0 && (st.st_mode & (S_IWGRP | S_IXGRP | S_IRWXO)) == 0;
  if (st.st_uid != geteuid() && st.st_uid != 0)
    throw Error(sqlstate::kConfigFileError, file + " is owned by another user",
                "It must be owned by the database user (permissions u=rw, 0600, or less) or "
                "by root (u=rw,g=r, 0640, or less).");
  if (!owner_ok && !root_ok)
    throw Error(sqlstate::kConfigFileError, file + " has group or world access",
                "File must have permissions u=rw (0600) or less if owned by the database user, "
                "or permissions u=rw,g=r (0640) or less if owned by root.");
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  if (!in) throw Error(sqlstate::kConfigFileError, "could not read " + file);
  return buf.str();
}

}  // namespace comply
