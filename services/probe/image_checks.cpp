// Image checks (thumbnails, posters) with OpenCV, playability.md §10. imdecode forgives
// truncation, so signature, trailer and declared size are checked from the bytes first.

#include <algorithm>
#include <limits>

#include <absl/strings/str_cat.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "checks.hpp"
#include "findings.hpp"

namespace curation::probe {
namespace {

// Below this standard deviation in every channel an image is one flat colour.
constexpr double kFlatStddev = 2.0;
constexpr double kAspect = 16.0 / 9.0;
constexpr double kAspectTolerance = 0.03;
constexpr int kMinThumbnailWidth = 1280;  // Atlas shows thumbnails at 1280x720
constexpr int kMinPosterWidth = 1080;

uint32_t BigEndian32(std::string_view b, size_t at) {
  return static_cast<uint32_t>(static_cast<uint8_t>(b[at])) << 24 | static_cast<uint8_t>(b[at + 1]) << 16 |
         static_cast<uint8_t>(b[at + 2]) << 8 | static_cast<uint8_t>(b[at + 3]);
}
uint32_t LittleEndian(std::string_view b, size_t at, int width) {
  uint32_t value = 0;
  for (int i = width - 1; i >= 0; --i) value = value << 8 | static_cast<uint8_t>(b[at + i]);
  return value;
}

struct Dimensions {
  int64_t width = 0;
  int64_t height = 0;
};

// Dimensions from the header alone, so a decompression bomb is refused before decoding.
std::optional<Dimensions> DeclaredDimensions(std::string_view bytes, std::string_view format) {
  if (format == "png" && bytes.size() >= 24) {
    return Dimensions{BigEndian32(bytes, 16), BigEndian32(bytes, 20)};
  }
  if (format == "jpeg") {
    size_t at = 2;
    while (at + 9 < bytes.size()) {
      if (static_cast<uint8_t>(bytes[at]) != 0xFF) return std::nullopt;
      uint8_t marker = static_cast<uint8_t>(bytes[at + 1]);
      if (marker == 0xFF) {
        ++at;  // fill byte
        continue;
      }
      bool start_of_frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
      if (start_of_frame) {
        return Dimensions{(static_cast<uint8_t>(bytes[at + 7]) << 8) | static_cast<uint8_t>(bytes[at + 8]),
                          (static_cast<uint8_t>(bytes[at + 5]) << 8) | static_cast<uint8_t>(bytes[at + 6])};
      }
      size_t length = (static_cast<uint8_t>(bytes[at + 2]) << 8) | static_cast<uint8_t>(bytes[at + 3]);
      at += 2 + length;
    }
    return std::nullopt;
  }
  if (format == "webp" && bytes.size() >= 30) {
    std::string_view chunk = bytes.substr(12, 4);
    if (chunk == "VP8 ") return Dimensions{LittleEndian(bytes, 26, 2) & 0x3FFF, LittleEndian(bytes, 28, 2) & 0x3FFF};
    if (chunk == "VP8L") {
      uint32_t bits = LittleEndian(bytes, 21, 4);
      return Dimensions{(bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1};
    }
    if (chunk == "VP8X") return Dimensions{LittleEndian(bytes, 24, 3) + 1, LittleEndian(bytes, 27, 3) + 1};
  }
  return std::nullopt;
}

// Whether the file ends the way its format says a complete file ends.
bool HasEnd(std::string_view bytes, std::string_view format) {
  if (format == "jpeg") {
    while (!bytes.empty() && bytes.back() == '\0') bytes.remove_suffix(1);  // some encoders pad
    return bytes.size() >= 4 && bytes.ends_with("\xFF\xD9");
  }
  if (format == "png") {
    return bytes.size() >= 12 && bytes.substr(bytes.size() - 8, 4) == "IEND";
  }
  return bytes.size() >= 12 && LittleEndian(bytes, 4, 4) + 8 <= bytes.size();  // RIFF length
}

}  // namespace

std::string ImageFormatOf(std::string_view head) {
  if (head.starts_with("\xFF\xD8\xFF")) return "jpeg";
  if (head.starts_with("\x89PNG\r\n\x1A\n")) return "png";
  if (head.size() >= 12 && head.starts_with("RIFF") && head.substr(8, 4) == "WEBP") return "webp";
  return "";
}

void CheckImage(RangeSource& source, const ProbeTarget& target, const ProbeLimits& limits, SourceReport& report) {
  std::string format = ImageFormatOf(source.head());
  auto& facts = *report.mutable_image();
  facts.set_format(format);
  if (format.empty()) {
    Fail(report, code::kNotAnImage, "the body is not a JPEG, PNG or WebP image");
    return;
  }
  auto declared = DeclaredDimensions(source.head(), format);
  if (declared) {
    // A PNG header declares up to 2^32 - 1 a side: neither the facts nor the product may wrap.
    facts.set_width(static_cast<int32_t>(std::min<int64_t>(declared->width, std::numeric_limits<int32_t>::max())));
    facts.set_height(static_cast<int32_t>(std::min<int64_t>(declared->height, std::numeric_limits<int32_t>::max())));
    if (declared->height > 0 && declared->width > limits.max_image_pixels / declared->height) {
      Fail(report, code::kImageTooLarge,
           absl::StrCat(declared->width, "x", declared->height, " pixels, more than the limit of ",
                        limits.max_image_pixels, ": not decoded"));
      return;
    }
  }
  auto bytes = source.ReadAll(limits.max_image_bytes);
  if (!bytes.ok()) {
    if (absl::IsResourceExhausted(bytes.status())) {
      Fail(report, code::kImageTooLarge, absl::StrCat("the image file has ", bytes.status().message()));
    } else {
      Fail(report, source.read_failure_code().empty() ? code::kUnreachable : source.read_failure_code(),
           std::string(bytes.status().message()));
    }
    return;
  }
  if (!HasEnd(*bytes, format)) {
    Fail(report, code::kImageTruncated, absl::StrCat("the ", format, " file is cut short: its end marker is missing"));
    return;
  }
  cv::Mat image;
  try {
    image = cv::imdecode(cv::Mat(1, static_cast<int>(bytes->size()), CV_8UC1, bytes->data()), cv::IMREAD_COLOR);
  } catch (const cv::Exception& error) {
    Fail(report, code::kImageUndecodable, absl::StrCat("the image does not decode: ", error.msg));
    return;
  }
  if (image.empty()) {
    Fail(report, code::kImageUndecodable, absl::StrCat("the ", format, " image does not decode"));
    return;
  }
  facts.set_width(image.cols);
  facts.set_height(image.rows);
  cv::Scalar mean, deviation;
  cv::meanStdDev(image, mean, deviation);
  if (std::max({deviation[0], deviation[1], deviation[2]}) < kFlatStddev) {
    Fail(report, code::kImageFlat, absl::StrCat("the image is one flat colour (RGB ", static_cast<int>(mean[2]), ",",
                                                static_cast<int>(mean[1]), ",", static_cast<int>(mean[0]), ")"));
  }
  int min_width = target.role == "poster" ? kMinPosterWidth : kMinThumbnailWidth;
  if (image.cols < min_width) {
    Warn(report, code::kImageSmall,
         absl::StrCat(image.cols, "x", image.rows, ": narrower than ", min_width, " pixels, blurry when shown"));
  }
  double aspect = static_cast<double>(image.cols) / image.rows;
  if (std::abs(aspect - kAspect) > kAspect * kAspectTolerance) {
    Warn(report, code::kImageAspect,
         absl::StrCat(image.cols, "x", image.rows, " is not 16:9: Atlas crops it"));
  }
}

absl::Status MediaProber::SelfCheck() {
  cv::Mat sample(72, 128, CV_8UC3);
  cv::randu(sample, 0, 255);
  for (const char* extension : {".jpg", ".png", ".webp"}) {
    std::vector<uchar> encoded;
    try {
      if (!cv::imencode(extension, sample, encoded) || cv::imdecode(encoded, cv::IMREAD_COLOR).empty()) {
        return absl::FailedPreconditionError(absl::StrCat("this OpenCV build cannot read ", extension, " images"));
      }
    } catch (const cv::Exception& error) {
      return absl::FailedPreconditionError(absl::StrCat("this OpenCV build cannot read ", extension, " images: ",
                                                        error.msg));
    }
  }
  return absl::OkStatus();
}

}  // namespace curation::probe
