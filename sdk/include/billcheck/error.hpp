// The base of every error billcheck throws on purpose, so that an embedding
// program can catch billcheck's errors apart from its own with one handler.
#pragma once

#include <billcheck/export.hpp>

#include <stdexcept>

namespace billcheck {

/// Every error billcheck reports by throwing: BookError, ConfigError,
/// UnknownInvoice, OutputError. what() is the message to show a user.
class BILLCHECK_SDK_API Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace billcheck
