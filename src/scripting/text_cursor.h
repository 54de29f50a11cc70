// The reading position that the serpent and json decoders share: bounds-checked peeks and
// errors that name the format and the offset.
#pragma once

#include <string_view>

#include "common/status.h"
#include "scripting/utf8.h"

namespace parallax {

class TextCursor {
 protected:
  TextCursor(std::string_view text, std::string_view format) : text_(text), format_(format) {}

  bool at_end() const { return pos_ >= text_.size(); }
  char peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  Status error(std::string_view what) const {
    return Status::invalid("{}: {} at offset {}", format_, what, pos_);
  }
  // Before reading: the text must be UTF-8 and not empty.
  Status check_text() const {
    if (auto bad = find_invalid_utf8(text_)) {
      return Status::invalid("{}: text is not valid UTF-8 (byte {})", format_, *bad);
    }
    if (text_.find_first_not_of(" \t\r\n") == std::string_view::npos) {
      return Status::invalid("{}: no value (empty text)", format_);
    }
    return Status::ok();
  }

  std::string_view text_;
  size_t pos_ = 0;

 private:
  std::string_view format_;
};

}  // namespace parallax
