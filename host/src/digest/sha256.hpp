// SHA-256 (OpenSSL's libcrypto), as lower-case hex: plugin pins, and any
// record that must show it was not changed behind billcheck's back.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace billcheck::detail {

std::string sha256_hex(std::string_view bytes);

/// The digest of a file's bytes, read in chunks; nullopt (with `why` set)
/// when it cannot be read.
std::optional<std::string> sha256_hex_file(const std::filesystem::path& file, std::string& why);

}  // namespace billcheck::detail
