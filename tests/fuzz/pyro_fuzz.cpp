// libFuzzer target: any bytes as a Pyro4 reply read by the script-step client: the header,
// then (under the size limit) annotations and payload, the HMAC check, the payload decoded
// with the serializer the header names (serpent, json, pickle, marshal), a remote exception
// turned into a status, and a result read as a table. Errors are fine; a crash is not.
#include "codec_roundtrip.h"
#include "fuzz_common.h"
#include "scripting/pyro_client.h"
#include "scripting/pyro_message.h"
#include "scripting/script_table.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace parallax;
  const std::string_view bytes = fuzz::as_text(data, size);
  auto header = decode_pyro_header(bytes.substr(0, kPyroHeaderSize));
  if (!header.is_ok()) return 0;
  std::string_view rest = bytes.substr(kPyroHeaderSize);
  if (header->annotations_size + size_t{header->payload_size} > rest.size()) return 0;
  const std::string_view annotations = rest.substr(0, header->annotations_size);
  std::string payload(rest.substr(header->annotations_size, header->payload_size));
  // A keyed check (which a fuzzer cannot sign past), then the body as an unsigned reply.
  (void)decode_pyro_body(*header, annotations, payload, "key", true);
  auto message = decode_pyro_body(*header, annotations, std::move(payload), "", false);
  if (!message.is_ok()) return 0;
  auto value = decode_pyro_value(message->serializer, message->payload);
  if (!value.is_ok()) return 0;
  if (message->flags & pyro_flags::kException) {
    (void)remote_exception_status(value.value());
    return 0;
  }
  fuzz::check_roundtrips(value.value());
  auto batch = batch_from_script_output(value.value(), OutputOptions{});
  if (!batch.is_ok()) return 0;
  volatile size_t sink = fuzz::touch(batch.value());
  const Schema schema = fuzz::schema_picked(batch.value(), size);
  auto typed = batch_from_script_output(value.value(), OutputOptions{&schema, "Europe/Paris"});
  if (typed.is_ok()) sink = sink + fuzz::touch(typed.value());
  return 0;
}
