// Words and markup live in template files (Mustache, kainjow's implementation),
// not in C++: a firm copies the bundled folder and edits its copy.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace billcheck::detail {

enum class Markup { text, markdown, html };

/// The file ending of a markup's templates: txt, md, html.
std::string_view extension(Markup markup);

/// The bundled templates (share/billcheck/templates beside lib/), the same in
/// the build tree and when installed.
std::filesystem::path bundled_template_dir();

/// The bytes of a template folder's file that is used as it is (a style sheet,
/// a script). Throws ConfigError, located at the file, when it cannot be read.
std::string read_template_file(const std::filesystem::path& file);

/// Who reads a rendering: a person (a letter, an explanation,
/// a summary on a terminal), to whom a value's control characters are shown as
/// `\xNN` (report/visible.hpp; line breaks and tabs kept), or the book or report
/// it becomes part of (a credit note's memo, a cause's action), which keeps
/// values as they are.
enum class Reader { person, data };

/// Renders DIR/NAME.EXT over `model`. In HTML every value is escaped; values
/// are written as they are, or visibly (report/visible.hpp) for a `person`. Throws ConfigError, located at
/// the template file, when the file is missing, does not parse, or names a
/// placeholder that is neither in `vocabulary` (every name such a model can
/// have, present or not in this one) nor in `model`.
std::string render_template(const std::filesystem::path& dir, std::string_view name, Markup markup,
                            const nlohmann::ordered_json& model, std::span<const std::string_view> vocabulary,
                            Reader reader = Reader::data);

}  // namespace billcheck::detail
