#ifndef STRATA_IMAGE_H
#define STRATA_IMAGE_H

#include <stddef.h>
#include <stdint.h>

// Decoding PNG (libpng) and JPEG (libjpeg-turbo) from memory into 8-bit gray or RGB pixels.
// The libraries report errors by longjmp; these functions catch them and return a status with
// a message instead, so a corrupt file never ends the process.

/// The decoded image: `height` rows of `width` pixels of `channels` (1 gray, 3 RGB) bytes each,
/// in one malloc'ed buffer that `strata_image_free` releases.
typedef struct strata_image {
    int32_t width;
    int32_t height;
    int32_t channels;
    uint8_t *pixels;
} strata_image;

#define STRATA_IMAGE_OK 0
/// The data is not a valid image of its format (truncated, bad CRC, bad Huffman code...).
#define STRATA_IMAGE_CORRUPT 1
/// The header declares more than `max_side` pixels per side or `max_pixels` pixels in all.
#define STRATA_IMAGE_TOO_LARGE 2
/// A valid file that this decoder does not convert (a CMYK JPEG).
#define STRATA_IMAGE_UNSUPPORTED 3
#define STRATA_IMAGE_OUT_OF_MEMORY 4

/// Decodes a PNG: palette expanded to RGB, gray below 8 bits scaled to 8, 16-bit samples cut to
/// their high byte, alpha (and tRNS transparency) dropped. On failure `message` (of `capacity`
/// bytes) says why and `out` is untouched.
int strata_decode_png(const uint8_t *data, size_t size, uint32_t max_side, uint64_t max_pixels,
                      strata_image *out, char *message, size_t capacity);

/// Decodes a baseline or progressive JPEG: grayscale as 1 channel, YCbCr or RGB as 3 (libjpeg's
/// default integer IDCT and fancy upsampling). A file that ends before its image data does is
/// an error rather than libjpeg's gray fill.
int strata_decode_jpeg(const uint8_t *data, size_t size, uint32_t max_side, uint64_t max_pixels,
                       strata_image *out, char *message, size_t capacity);

/// Frees the pixels of an image returned by a decoder.
void strata_image_free(strata_image *image);

#endif
