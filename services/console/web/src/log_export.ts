// The moderation log's export files, as `curatorctl log export` writes them
// (services/curatorctl/log_commands.cpp), so a council member gets the same file from either:
// JSONL is one entry a line in protobuf's JSON with the .proto's field names and every field
// at its default value too; CSV (RFC 4180) has every field of Entry in declaration order, a
// nested message's as "outer.inner", times in RFC 3339, enums by their names, lists joined by ";"
// (a listed message as its JSON).
import { toJson, toJsonString, type DescEnum, type DescField, type DescMessage } from "@bufbuild/protobuf";
import { isReflectMessage, reflect, type ReflectMessage } from "@bufbuild/protobuf/reflect";
import { TimestampSchema, type Timestamp } from "@bufbuild/protobuf/wkt";
import { EntrySchema, type Entry } from "../gen/curation/v1/moderation_log_pb";

export type ExportFormat = "csv" | "jsonl";

const isTime = (message: DescMessage) => message.typeName === TimestampSchema.typeName;

function csvHeader(message: DescMessage, prefix: string): string[] {
  return message.fields.flatMap((field) =>
    field.fieldKind === "message" && !isTime(field.message)
      ? csvHeader(field.message, `${prefix}${field.name}.`)
      : [`${prefix}${field.name}`],
  );
}

function enumOf(field: DescField): DescEnum | undefined {
  if (field.fieldKind === "enum" || (field.fieldKind === "list" && field.listKind === "enum")) {
    return field.enum;
  }
  return undefined;
}

function cellText(field: DescField, value: unknown): string {
  const enumType = enumOf(field);
  if (enumType !== undefined && typeof value === "number") {
    return enumType.value[value]?.name ?? String(value);
  }
  if (isReflectMessage(value, TimestampSchema)) {
    // A Timestamp, one cell: its JSON form is RFC 3339.
    return String(toJson(TimestampSchema, value.message as Timestamp));
  }
  if (isReflectMessage(value)) {
    // A message in a list (an evidence note): its JSON in the list's cell, as curatorctl's.
    return toJsonString(value.desc, value.message);
  }
  return String(value);
}

// The cells of one row in csvHeader's order; a message that is not there leaves its cells empty.
function csvCells(message: ReflectMessage, present: boolean): string[] {
  return message.fields.flatMap((field): string[] => {
    if (field.fieldKind === "message" && !isTime(field.message)) {
      return csvCells(message.get(field), present && message.isSet(field));
    }
    if (!present || (field.fieldKind === "message" && !message.isSet(field))) {
      return [""];
    }
    if (field.fieldKind === "list") {
      return [Array.from(message.get(field), (item) => cellText(field, item)).join(";")];
    }
    return [cellText(field, message.get(field))];
  });
}

/**
 * One CSV record, ending in CRLF, as services/common/csv.cpp's CsvRecord writes it: a cell
 * holding the separator, a quote or a line break is quoted.
 */
export function csvRecord(cells: string[]): string {
  return (
    cells.map((cell) => (/[,"\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell)).join(",") + "\r\n"
  );
}

/** The CSV's first line. */
export function entryCsvHeader(): string {
  return csvRecord(csvHeader(EntrySchema, ""));
}

/** One entry as a line of the export in `format`. */
export function entryLine(entry: Entry, format: ExportFormat): string {
  return format === "csv"
    ? csvRecord(csvCells(reflect(EntrySchema, entry), true))
    : `${toJsonString(EntrySchema, entry, { useProtoFieldName: true, alwaysEmitImplicit: true })}\n`;
}
