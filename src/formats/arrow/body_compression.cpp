#include "formats/arrow/body_compression.h"

#include <cstring>
#include <memory>

#include <lz4frame.h>

namespace parallax {

namespace {

// LZ4 cannot expand data by more than about 255 times; with a margin for the frame header.
constexpr int64_t kMaxLz4Ratio = 256;
constexpr int64_t kFrameOverhead = 64;

struct DecompressionContextDeleter {
  void operator()(LZ4F_dctx* context) const { LZ4F_freeDecompressionContext(context); }
};

}  // namespace

void append_lz4_buffer(std::string& out, std::string_view data) {
  if (data.empty()) return;
  LZ4F_preferences_t preferences{};
  preferences.frameInfo.contentSize = data.size();
  const size_t bound = LZ4F_compressFrameBound(data.size(), &preferences);
  const size_t start = out.size();
  const int64_t length = static_cast<int64_t>(data.size());
  out.resize(start + sizeof(length) + bound);
  std::memcpy(out.data() + start, &length, sizeof(length));
  const size_t written = LZ4F_compressFrame(out.data() + start + sizeof(length), bound, data.data(),
                                            data.size(), &preferences);
  // Cannot fail with a buffer of the bound's size; store uncompressed should it ever happen.
  if (LZ4F_isError(written)) {
    out.resize(start);
    const int64_t uncompressed = -1;
    out.append(reinterpret_cast<const char*>(&uncompressed), sizeof(uncompressed));
    out.append(data);
    return;
  }
  out.resize(start + sizeof(length) + written);
}

Result<std::vector<uint8_t>> decompress_lz4_buffer(std::string_view buffer) {
  std::vector<uint8_t> out;
  if (buffer.empty()) return out;
  int64_t length = 0;
  if (buffer.size() < sizeof(length)) {
    return Status::invalid("Arrow compressed buffer of {} bytes has no length prefix",
                           buffer.size());
  }
  std::memcpy(&length, buffer.data(), sizeof(length));
  const std::string_view frame = buffer.substr(sizeof(length));
  if (length == -1) {
    out.assign(frame.begin(), frame.end());
    return out;
  }
  if (length < 0 || length > static_cast<int64_t>(frame.size()) * kMaxLz4Ratio + kFrameOverhead) {
    return Status::invalid("Arrow compressed buffer claims {} bytes from {} compressed bytes",
                           length, frame.size());
  }
  out.resize(static_cast<size_t>(length));
  LZ4F_dctx* raw_context = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&raw_context, LZ4F_VERSION))) {
    return Status::invalid("cannot start LZ4 decompression");
  }
  std::unique_ptr<LZ4F_dctx, DecompressionContextDeleter> context(raw_context);
  size_t produced = 0, consumed = 0;
  while (consumed < frame.size()) {
    size_t out_size = out.size() - produced;
    size_t in_size = frame.size() - consumed;
    const size_t hint = LZ4F_decompress(context.get(), out.data() + produced, &out_size,
                                        frame.data() + consumed, &in_size, nullptr);
    if (LZ4F_isError(hint)) {
      return Status::invalid("Arrow buffer is not valid LZ4 frame data: {}",
                             LZ4F_getErrorName(hint));
    }
    produced += out_size;
    consumed += in_size;
    if (hint == 0) break;                      // the frame ended
    if (in_size == 0 && out_size == 0) break;  // no progress: more output than declared
  }
  if (produced != out.size() || consumed != frame.size()) {
    return Status::invalid("Arrow LZ4 buffer holds other than the {} bytes it declares", length);
  }
  return out;
}

}  // namespace parallax
