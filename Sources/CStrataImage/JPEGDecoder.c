#include "StrataImage.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
// After stdio.h: jpeglib.h uses FILE.
#include <jerror.h>
#include <jpeglib.h>

/// libjpeg's error manager extended with the jump back into strata_decode_jpeg; the default
/// error_exit calls exit().
typedef struct error_manager {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    char *message;
    size_t capacity;
} error_manager;

static void fail(j_common_ptr info) {
    error_manager *manager = (error_manager *)info->err;
    char text[JMSG_LENGTH_MAX];
    manager->base.format_message(info, text);
    snprintf(manager->message, manager->capacity, "%s", text);
    longjmp(manager->jump, 1);
}

// A warning does not stop libjpeg; only the end of the data inside the image (where libjpeg
// would fill the rest with gray) is made an error, like Pillow's "image file is truncated".
static void on_message(j_common_ptr info, int level) {
    if (level == -1 && info->err->msg_code == JWRN_JPEG_EOF) {
        error_manager *manager = (error_manager *)info->err;
        snprintf(manager->message, manager->capacity, "the file ends early (truncated)");
        longjmp(manager->jump, 1);
    }
    if (level == -1) info->err->num_warnings++;
}

int strata_decode_jpeg(const uint8_t *data, size_t size, uint32_t max_side, uint64_t max_pixels,
                       strata_image *out, char *message, size_t capacity) {
    struct jpeg_decompress_struct decoder;
    error_manager manager;
    manager.message = message;
    manager.capacity = capacity;
    decoder.err = jpeg_std_error(&manager.base);
    manager.base.error_exit = fail;
    manager.base.emit_message = on_message;
    // Written between setjmp and a longjmp back, so volatile (C11 7.13.2.1).
    uint8_t *volatile pixels = NULL;
    volatile int status = STRATA_IMAGE_CORRUPT;
    if (setjmp(manager.jump)) {
        jpeg_destroy_decompress(&decoder);
        free(pixels);
        return status;
    }
    jpeg_create_decompress(&decoder);
    jpeg_mem_src(&decoder, data, (unsigned long)size);
    jpeg_read_header(&decoder, TRUE);
    uint32_t width = decoder.image_width, height = decoder.image_height;
    if (width > max_side || height > max_side || (uint64_t)width * height > max_pixels) {
        snprintf(message, capacity, "%ux%u pixels is larger than the limit (%u per side, %llu in all)",
                 (unsigned)width, (unsigned)height, (unsigned)max_side, (unsigned long long)max_pixels);
        status = STRATA_IMAGE_TOO_LARGE;
        longjmp(manager.jump, 1);
    }
    switch (decoder.jpeg_color_space) {
    case JCS_GRAYSCALE:
        decoder.out_color_space = JCS_GRAYSCALE;
        break;
    case JCS_YCbCr:
    case JCS_RGB:
        decoder.out_color_space = JCS_RGB;
        break;
    default:
        snprintf(message, capacity, "unsupported JPEG color space %d (CMYK or YCCK)", (int)decoder.jpeg_color_space);
        status = STRATA_IMAGE_UNSUPPORTED;
        longjmp(manager.jump, 1);
    }
    jpeg_start_decompress(&decoder);
    int channels = decoder.output_components;
    size_t row_bytes = (size_t)decoder.output_width * (size_t)channels;
    pixels = malloc(row_bytes * decoder.output_height);
    if (!pixels) {
        snprintf(message, capacity, "out of memory for %ux%u pixels", (unsigned)width, (unsigned)height);
        status = STRATA_IMAGE_OUT_OF_MEMORY;
        longjmp(manager.jump, 1);
    }
    while (decoder.output_scanline < decoder.output_height) {
        JSAMPROW row = pixels + (size_t)decoder.output_scanline * row_bytes;
        jpeg_read_scanlines(&decoder, &row, 1);
    }
    jpeg_finish_decompress(&decoder);
    out->width = (int32_t)decoder.output_width;
    out->height = (int32_t)decoder.output_height;
    out->channels = channels;
    out->pixels = pixels;
    jpeg_destroy_decompress(&decoder);
    return STRATA_IMAGE_OK;
}
