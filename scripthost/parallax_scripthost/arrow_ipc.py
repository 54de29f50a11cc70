"""Apache Arrow IPC streams to and from pandas DataFrames, without pyarrow (Debian has none):
flatbuffers metadata through python3-flatbuffers' runtime, column buffers through numpy.

Read: what Parallax writes (bool, Int 8-64, Float32/64, Utf8, LargeUtf8, dictionary-encoded
strings, Date32/Date64, Timestamp of any unit), uncompressed. Write: one record batch with
Bool, Int64, Float64, Utf8, Date32 and Timestamp(ms) columns; NaN and NaT are nulls."""

import datetime
import struct

import flatbuffers
import numpy
import pandas
from flatbuffers.table import Table

CONTINUATION = 0xFFFFFFFF
METADATA_V5 = 4
HEADER_SCHEMA, HEADER_DICTIONARY, HEADER_RECORD_BATCH = 1, 2, 3
TYPE_INT, TYPE_FLOAT, TYPE_UTF8, TYPE_BOOL, TYPE_DATE, TYPE_TIMESTAMP = 2, 3, 5, 6, 8, 10
TYPE_LARGE_UTF8 = 20
EPOCH_DAY = numpy.datetime64("1970-01-01", "D")
EPOCH_ORDINAL = datetime.date(1970, 1, 1).toordinal()


class ArrowError(ValueError):
    pass


# ---- reading ----

class _Node:
    """A flatbuffers table: field i lives at vtable slot 4 + 2 i."""

    def __init__(self, data, position):
        self.table = Table(data, position)

    def _offset(self, field):
        return self.table.Offset(4 + 2 * field)

    def scalar(self, field, flags, default=0):
        offset = self._offset(field)
        return self.table.Get(flags, self.table.Pos + offset) if offset else default

    def child(self, field):
        offset = self._offset(field)
        if not offset:
            return None
        return _Node(self.table.Bytes, self.table.Indirect(self.table.Pos + offset))

    def string(self, field):
        offset = self._offset(field)
        return self.table.String(self.table.Pos + offset).decode() if offset else ""

    def children(self, field):
        offset = self._offset(field)
        if not offset:
            return []
        start = self.table.Vector(offset)  # Vector and VectorLen add Pos themselves
        return [_Node(self.table.Bytes, self.table.Indirect(start + 4 * i))
                for i in range(self.table.VectorLen(offset))]

    def structs(self, field, layout):
        offset = self._offset(field)
        if not offset:
            return []
        start = self.table.Vector(offset)
        size = struct.calcsize(layout)
        return [struct.unpack_from(layout, self.table.Bytes, start + size * i)
                for i in range(self.table.VectorLen(offset))]


def _messages(data):
    position = 0
    while position + 8 <= len(data):
        marker, length = struct.unpack_from("<Ii", data, position)
        if marker != CONTINUATION:  # the pre-0.15 format had no continuation marker
            length, position = marker, position + 4
        else:
            position += 8
        if length == 0:
            return
        if length < 0 or position + length > len(data):
            raise ArrowError("truncated Arrow message")
        metadata = bytes(data[position:position + length])
        root = struct.unpack_from("<I", metadata, 0)[0]
        message = _Node(metadata, root)
        position += length
        body_length = message.scalar(3, flatbuffers.number_types.Int64Flags)
        if position + body_length > len(data):
            raise ArrowError("truncated Arrow message body")
        yield message, memoryview(data)[position:position + body_length]
        position += body_length


def _field_type(field):
    type_id = field.scalar(2, flatbuffers.number_types.Uint8Flags)
    return type_id, field.child(3)


def _validity(body, buffer, length):
    offset, size = buffer
    if size == 0:
        return None
    bits = numpy.frombuffer(body, numpy.uint8, count=(length + 7) // 8, offset=offset)
    return numpy.unpackbits(bits, bitorder="little")[:length].astype(bool)


def _column(field_type, body, node, buffers):
    """One column of a record batch as a numpy array (object arrays hold None for nulls)."""
    type_id, details = field_type
    length = node[0]
    validity_buffer = next(buffers)
    valid = _validity(body, validity_buffer, length) if node[1] else None
    flags = flatbuffers.number_types
    if type_id == TYPE_INT:
        bits = details.scalar(0, flags.Int32Flags)
        signed = details.scalar(1, flags.BoolFlags, False)
        dtype = numpy.dtype(("i" if signed else "u") + str(bits // 8)).newbyteorder("<")
        offset, _ = next(buffers)
        values = numpy.frombuffer(body, dtype, count=length, offset=offset)
    elif type_id == TYPE_FLOAT:
        precision = details.scalar(0, flags.Int16Flags)
        dtype = {1: "<f4", 2: "<f8"}.get(precision)
        if dtype is None:
            raise ArrowError("half floats are not supported")
        offset, _ = next(buffers)
        values = numpy.frombuffer(body, dtype, count=length, offset=offset)
    elif type_id == TYPE_BOOL:
        offset, _ = next(buffers)
        bits = numpy.frombuffer(body, numpy.uint8, count=(length + 7) // 8, offset=offset)
        values = numpy.unpackbits(bits, bitorder="little")[:length].astype(bool)
    elif type_id in (TYPE_UTF8, TYPE_LARGE_UTF8):
        offsets_at, _ = next(buffers)
        data_at, data_size = next(buffers)
        offsets = numpy.frombuffer(body, "<i4" if type_id == TYPE_UTF8 else "<i8",
                                   count=length + 1, offset=offsets_at).tolist()
        text = bytes(body[data_at:data_at + data_size])
        values = numpy.empty(length, dtype=object)
        values[:] = [text[offsets[i]:offsets[i + 1]].decode() for i in range(length)]
    elif type_id == TYPE_DATE:
        unit = details.scalar(0, flags.Int16Flags, 1)
        offset, _ = next(buffers)
        raw = numpy.frombuffer(body, "<i4" if unit == 0 else "<i8", count=length, offset=offset)
        days = raw.astype("int64") if unit == 0 else raw // 86_400_000
        # Dates repeat: make one date object per distinct day and spread them.
        codes, distinct = pandas.factorize(days)
        values = (EPOCH_DAY + distinct.astype("timedelta64[D]")).astype(object)[codes]
    elif type_id == TYPE_TIMESTAMP:
        unit = ("s", "ms", "us", "ns")[details.scalar(0, flags.Int16Flags)]
        offset, _ = next(buffers)
        values = numpy.frombuffer(body, "<i8", count=length, offset=offset).astype(
            "datetime64[%s]" % unit).astype("datetime64[ns]")
    else:
        raise ArrowError("Arrow type %d is not supported" % type_id)
    if valid is not None and not valid.all():
        if values.dtype.kind in "iub":
            values = values.astype(object if values.dtype.kind == "b" else "float64")
        else:
            values = values.copy()
        values[~valid] = None if values.dtype == object else (
            numpy.datetime64("NaT") if values.dtype.kind == "M" else numpy.nan)
    return values


def _record_batch(fields, batch, body):
    nodes = batch.structs(1, "<qq")
    buffers = iter(batch.structs(2, "<qq"))
    if batch.child(3) is not None:
        raise ArrowError("compressed Arrow bodies are not supported here")
    columns = []
    for field, node in zip(fields, nodes):
        columns.append(_column(field, body, node, buffers))
    return columns


def read_frame(data):
    """An Arrow IPC stream as a DataFrame."""
    names, fields, dictionaries, dictionary_ids, chunks = [], [], {}, [], []
    for message, body in _messages(data):
        header_type = message.scalar(1, flatbuffers.number_types.Uint8Flags)
        header = message.child(2)
        if header_type == HEADER_SCHEMA:
            for field in header.children(1):
                names.append(field.string(0))
                encoding = field.child(4)
                if encoding is not None:
                    index = encoding.child(1)
                    bits = index.scalar(0, flatbuffers.number_types.Int32Flags) if index else 32
                    fields.append((TYPE_INT, _IntType(bits)))
                    dictionary_ids.append(encoding.scalar(0, flatbuffers.number_types.Int64Flags))
                else:
                    fields.append(_field_type(field))
                    dictionary_ids.append(None)
        elif header_type == HEADER_DICTIONARY:
            identifier = header.scalar(0, flatbuffers.number_types.Int64Flags)
            position = dictionary_ids.index(identifier) if identifier in dictionary_ids else None
            if position is None:
                raise ArrowError("dictionary %d belongs to no field" % identifier)
            # Dictionaries here hold text (Parallax encodes strings so).
            dictionaries[identifier] = _record_batch([(TYPE_UTF8, None)], header.child(1), body)[0]
        elif header_type == HEADER_RECORD_BATCH:
            columns = _record_batch(fields, header, body)
            for position, identifier in enumerate(dictionary_ids):
                if identifier is not None:
                    indices = columns[position]
                    if indices.dtype == object or indices.dtype.kind == "f":  # nulls
                        valid = ~pandas.isna(indices)
                        decoded = numpy.full(len(indices), None, dtype=object)
                        decoded[valid] = dictionaries[identifier][indices[valid].astype("int64")]
                    else:
                        decoded = dictionaries[identifier][indices]
                    columns[position] = decoded
            chunks.append(columns)
    if not names and not chunks:
        raise ArrowError("no Arrow schema in the input")
    if len(chunks) == 1:
        data_columns = chunks[0]
    elif not chunks:
        data_columns = [numpy.empty(0, dtype=object) for _ in names]
    else:
        data_columns = [numpy.concatenate([chunk[i] for chunk in chunks]) for i in range(len(names))]
    return pandas.DataFrame({name: column for name, column in zip(names, data_columns)},
                            columns=names)


class _IntType:
    """Stands in for a parsed Int type node (dictionary indices)."""

    def __init__(self, bits):
        self.bits = bits

    def scalar(self, field, flags, default=0):
        return self.bits if field == 0 else True


# ---- writing ----

def _pad(data):
    return data + b"\0" * (-len(data) % 8)


def _bitmap(mask):
    return numpy.packbits(mask.astype(bool), bitorder="little").tobytes()


def _encode_column(series):
    """(type id, type builder, validity mask or None, [buffers]) for one column."""
    values = series.to_numpy()
    kind = values.dtype.kind
    if kind == "M" or isinstance(series.dtype, pandas.DatetimeTZDtype):
        if isinstance(series.dtype, pandas.DatetimeTZDtype):
            series = series.dt.tz_convert("UTC").dt.tz_localize(None)
        valid = ~series.isna().to_numpy()
        millis = series.to_numpy().astype("datetime64[ms]").astype("int64")
        millis[~valid] = 0
        return TYPE_TIMESTAMP, _timestamp_type, valid, [millis.astype("<i8").tobytes()]
    if kind == "b":
        return TYPE_BOOL, _empty_type, None, [_bitmap(values)]
    if kind in "iu":
        return TYPE_INT, _int64_type, None, [values.astype("<i8").tobytes()]
    if kind == "f":
        valid = ~numpy.isnan(values)
        return TYPE_FLOAT, _double_type, valid, [numpy.where(valid, values, 0).astype("<f8").tobytes()]
    # Objects: by what the non-null cells are (pandas infers that in C, once per column).
    kind = pandas.api.types.infer_dtype(values, skipna=True)
    if kind == "string":
        return (TYPE_UTF8, _empty_type) + _utf8_buffers(values)
    if kind == "date":
        # Dates repeat: convert each distinct one, then spread them by code.
        codes, distinct = pandas.factorize(values)
        days = numpy.fromiter((d.toordinal() for d in distinct), "<i4", len(distinct))
        days = numpy.append(days - EPOCH_ORDINAL, 0).astype("<i4")  # code -1 (null) -> 0
        return TYPE_DATE, _date_type, codes >= 0, [days[codes].tobytes()]
    if kind == "datetime":
        return _encode_column(pandas.to_datetime(series, utc=True))
    valid = ~pandas.isna(series).to_numpy()
    present = values[valid]
    if kind == "boolean":
        cells = numpy.zeros(len(values), dtype=bool)
        cells[valid] = present.astype(bool)
        return TYPE_BOOL, _empty_type, valid, [_bitmap(cells)]
    if kind == "integer":
        cells = numpy.zeros(len(values), dtype="<i8")
        cells[valid] = present.astype("int64")
        return TYPE_INT, _int64_type, valid, [cells.tobytes()]
    if kind in ("floating", "mixed-integer-float"):
        cells = numpy.zeros(len(values), dtype="<f8")
        cells[valid] = present.astype("float64")
        return TYPE_FLOAT, _double_type, valid, [cells.tobytes()]
    # Mixed cells: each as its own text (factorize would merge 1 and True).
    texts = numpy.array([str(v) if ok else None for v, ok in zip(values, valid)], dtype=object)
    return (TYPE_UTF8, _empty_type) + _utf8_buffers(texts)


def _utf8_buffers(values):
    """(validity, [offsets, bytes]) of a Utf8 column of str or None: each distinct text is
    encoded once, then the rows' bytes are joined in C (one reference per row)."""
    codes, distinct = pandas.factorize(values)
    encoded = numpy.empty(len(distinct) + 1, dtype=object)
    encoded[:-1] = [text.encode() for text in distinct]
    encoded[-1] = b""  # code -1 (null) -> empty
    sizes = numpy.fromiter(map(len, encoded), "int64", len(encoded))
    offsets = numpy.zeros(len(codes) + 1, "int64")
    numpy.cumsum(sizes[codes], out=offsets[1:])
    if offsets[-1] > 2**31 - 1:
        raise ArrowError("a text column holds more than 2 GiB")
    return codes >= 0, [offsets.astype("<i4").tobytes(), b"".join(encoded[codes].tolist())]


def _empty_type(builder):
    builder.StartObject(0)
    return builder.EndObject()


def _int64_type(builder):
    builder.StartObject(2)
    builder.PrependInt32Slot(0, 64, 0)
    builder.PrependBoolSlot(1, True, False)
    return builder.EndObject()


def _double_type(builder):
    builder.StartObject(1)
    builder.PrependInt16Slot(0, 2, 0)
    return builder.EndObject()


def _date_type(builder):
    builder.StartObject(1)
    builder.PrependInt16Slot(0, 0, 1)  # DAY (the default is MILLISECOND)
    return builder.EndObject()


def _timestamp_type(builder):
    builder.StartObject(2)
    builder.PrependInt16Slot(0, 1, 0)  # MILLISECOND, no time zone
    return builder.EndObject()


def _message(header_type, build_header, body_length):
    builder = flatbuffers.Builder(1024)
    header = build_header(builder)
    builder.StartObject(5)
    builder.PrependInt16Slot(0, METADATA_V5, 0)
    builder.PrependUint8Slot(1, header_type, 0)
    builder.PrependUOffsetTRelativeSlot(2, header, 0)
    builder.PrependInt64Slot(3, body_length, 0)
    builder.Finish(builder.EndObject())
    metadata = _pad(bytes(builder.Output()))
    return struct.pack("<Ii", CONTINUATION, len(metadata)) + metadata


def _vector_of_offsets(builder, offsets):
    builder.StartVector(4, len(offsets), 4)
    for offset in reversed(offsets):
        builder.PrependUOffsetTRelative(offset)
    return builder.EndVector()


def _vector_of_pairs(builder, pairs):
    builder.StartVector(16, len(pairs), 8)
    for first, second in reversed(pairs):
        builder.Prep(8, 16)
        builder.PrependInt64(second)
        builder.PrependInt64(first)
    return builder.EndVector()


def write_frame(frame):
    """A DataFrame as an Arrow IPC stream (schema, one record batch, end marker)."""
    names = [str(name) for name in frame.columns]
    columns = [_encode_column(frame.iloc[:, i]) for i in range(len(names))]
    length = len(frame)

    def schema(builder):
        fields = []
        for name, (type_id, build_type, _, _) in zip(names, columns):
            name_offset = builder.CreateString(name)
            type_offset = build_type(builder)
            children = _vector_of_offsets(builder, [])
            builder.StartObject(7)
            builder.PrependUOffsetTRelativeSlot(0, name_offset, 0)
            builder.PrependBoolSlot(1, True, False)
            builder.PrependUint8Slot(2, type_id, 0)
            builder.PrependUOffsetTRelativeSlot(3, type_offset, 0)
            builder.PrependUOffsetTRelativeSlot(5, children, 0)
            fields.append(builder.EndObject())
        vector = _vector_of_offsets(builder, fields)
        builder.StartObject(4)
        builder.PrependUOffsetTRelativeSlot(1, vector, 0)
        return builder.EndObject()

    body = []
    size = 0
    nodes, buffers = [], []

    def add(data):
        nonlocal size
        buffers.append((size, len(data)))
        padded = _pad(data)
        body.append(padded)
        size += len(padded)

    for type_id, _, valid, data_buffers in columns:
        null_count = 0 if valid is None else int((~valid).sum())
        nodes.append((length, null_count))
        add(_bitmap(valid) if null_count else b"")
        for data in data_buffers:
            add(data)

    def record_batch(builder):
        node_vector = _vector_of_pairs(builder, nodes)
        buffer_vector = _vector_of_pairs(builder, buffers)
        builder.StartObject(5)
        builder.PrependInt64Slot(0, length, 0)
        builder.PrependUOffsetTRelativeSlot(1, node_vector, 0)
        builder.PrependUOffsetTRelativeSlot(2, buffer_vector, 0)
        return builder.EndObject()

    return b"".join([_message(HEADER_SCHEMA, schema, 0),
                     _message(HEADER_RECORD_BATCH, record_batch, size), *body,
                     struct.pack("<Ii", CONTINUATION, 0)])
