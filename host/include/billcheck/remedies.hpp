// What a firm does after a check: explain a charge the client questions, with
// the documents behind it. (Corrections and letters follow in this header.)
#pragma once

#include <billcheck/engine.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace billcheck {

/// How a document for people (or programs) is written.
enum class DocumentFormat { text, markdown, html, json };
std::optional<DocumentFormat> parse_document_format(std::string_view name);

struct ExplainRequest {
  std::string invoice;
  std::optional<std::int64_t> line;  // one line, or every line of the invoice
  std::filesystem::path templates;   // a firm's template folder; empty = the bundled templates
  CheckOptions check;                // for the rules run on the invoice
};

/// How the invoice (or one line) was worked out: the time entries behind each
/// line, the agreed rate and the rate card row it comes from, the engagement's
/// terms, the payments and credit notes; and what the rules find on it.
/// Throws UnknownInvoice, UnknownRecord for a line the invoice does not have,
/// or ConfigError for a template that does not render.
std::string explain(const Engine& engine, const Book& book, const ExplainRequest& request, DocumentFormat format);

}  // namespace billcheck
