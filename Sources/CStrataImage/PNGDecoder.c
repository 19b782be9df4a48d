#include "StrataImage.h"

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/// The bytes being decoded and where to put an error message.
typedef struct png_source {
    const uint8_t *data;
    size_t size;
    size_t offset;
    char *message;
    size_t capacity;
} png_source;

static void read_bytes(png_structp png, png_bytep out, size_t count) {
    png_source *source = png_get_io_ptr(png);
    if (count > source->size - source->offset) png_error(png, "the file ends early (truncated)");
    memcpy(out, source->data + source->offset, count);
    source->offset += count;
}

// libpng's default error handler prints to stderr and longjmps; keep the message instead.
static void on_error(png_structp png, png_const_charp text) {
    png_source *source = png_get_error_ptr(png);
    snprintf(source->message, source->capacity, "%s", text);
    png_longjmp(png, 1);
}

// Warnings (a bad ancillary chunk, which libpng skips) do not stop decoding.
static void on_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

int strata_decode_png(const uint8_t *data, size_t size, uint32_t max_side, uint64_t max_pixels,
                      strata_image *out, char *message, size_t capacity) {
    png_source source = {data, size, 0, message, capacity};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &source, on_error, on_warning);
    if (!png) return STRATA_IMAGE_OUT_OF_MEMORY;
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return STRATA_IMAGE_OUT_OF_MEMORY;
    }
    // Written between setjmp and a longjmp back, so volatile (C11 7.13.2.1).
    uint8_t *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    volatile int status = STRATA_IMAGE_CORRUPT;
    if (setjmp(png_jmpbuf(png))) {
        free(pixels);
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        return status;
    }
    png_set_read_fn(png, &source, read_bytes);
    png_read_info(png, info);
    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0;
    png_get_IHDR(png, info, &width, &height, &bit_depth, &color_type, NULL, NULL, NULL);
    if (width > max_side || height > max_side || (uint64_t)width * height > max_pixels) {
        snprintf(message, capacity, "%ux%u pixels is larger than the limit (%u per side, %llu in all)",
                 (unsigned)width, (unsigned)height, (unsigned)max_side, (unsigned long long)max_pixels);
        status = STRATA_IMAGE_TOO_LARGE;
        png_longjmp(png, 1);
    }
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    // The high byte, as Pillow reads 16-bit RGB.
    if (bit_depth == 16) png_set_strip_16(png);
    // Palette expansion turns tRNS transparency into an alpha channel too.
    if ((color_type & PNG_COLOR_MASK_ALPHA) || png_get_valid(png, info, PNG_INFO_tRNS)) png_set_strip_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    int channels = png_get_channels(png, info);
    size_t row_bytes = png_get_rowbytes(png, info);
    if ((channels != 1 && channels != 3) || row_bytes != (size_t)width * (size_t)channels) {
        snprintf(message, capacity, "unexpected layout after conversion: %d channels, %zu bytes per row", channels, row_bytes);
        png_longjmp(png, 1);
    }
    pixels = malloc(row_bytes * height);
    rows = malloc(sizeof(png_bytep) * height);
    if (!pixels || !rows) {
        snprintf(message, capacity, "out of memory for %ux%u pixels", (unsigned)width, (unsigned)height);
        status = STRATA_IMAGE_OUT_OF_MEMORY;
        png_longjmp(png, 1);
    }
    for (png_uint_32 row = 0; row < height; row++) rows[row] = pixels + row * row_bytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    out->width = (int32_t)width;
    out->height = (int32_t)height;
    out->channels = channels;
    out->pixels = pixels;
    return STRATA_IMAGE_OK;
}

void strata_image_free(strata_image *image) {
    free(image->pixels);
    image->pixels = NULL;
}
