#ifndef FEDCHAIN_CHDF5_SHIM_H
#define FEDCHAIN_CHDF5_SHIM_H
#include <hdf5.h>

/* HDF5's type, property-list and flag constants are C macros (often expanding to a call that
   initialises the library first). Swift cannot import those, so each one we use is a function. */
static inline hid_t ch5_native_int8(void)   { return H5T_NATIVE_INT8; }
static inline hid_t ch5_native_uint8(void)  { return H5T_NATIVE_UINT8; }
static inline hid_t ch5_native_int32(void)  { return H5T_NATIVE_INT32; }
static inline hid_t ch5_native_int64(void)  { return H5T_NATIVE_INT64; }
static inline hid_t ch5_native_uint64(void) { return H5T_NATIVE_UINT64; }
static inline hid_t ch5_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t ch5_std_i8le(void)   { return H5T_STD_I8LE; }
static inline hid_t ch5_std_u8le(void)   { return H5T_STD_U8LE; }
static inline hid_t ch5_std_i32le(void)  { return H5T_STD_I32LE; }
static inline hid_t ch5_std_i64le(void)  { return H5T_STD_I64LE; }
static inline hid_t ch5_std_u64le(void)  { return H5T_STD_U64LE; }
static inline hid_t ch5_ieee_f64le(void) { return H5T_IEEE_F64LE; }
static inline hid_t ch5_c_s1(void)       { return H5T_C_S1; }

static inline hid_t ch5_p_default(void)        { return H5P_DEFAULT; }
static inline hid_t ch5_p_file_create(void)    { return H5P_FILE_CREATE; }
static inline hid_t ch5_p_file_access(void)    { return H5P_FILE_ACCESS; }
static inline hid_t ch5_p_group_create(void)   { return H5P_GROUP_CREATE; }
static inline hid_t ch5_p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t ch5_p_link_create(void)    { return H5P_LINK_CREATE; }

static inline unsigned ch5_f_acc_trunc(void)  { return H5F_ACC_TRUNC; }
static inline unsigned ch5_f_acc_excl(void)   { return H5F_ACC_EXCL; }
static inline unsigned ch5_f_acc_rdonly(void) { return H5F_ACC_RDONLY; }

static inline hid_t   ch5_s_all(void)       { return H5S_ALL; }
static inline hsize_t ch5_s_unlimited(void) { return H5S_UNLIMITED; }
static inline size_t  ch5_t_variable(void)  { return H5T_VARIABLE; }
static inline hid_t   ch5_e_default(void)   { return H5E_DEFAULT; }

/* Silence HDF5's own error printing: the writer turns failures into Swift errors. */
static inline void ch5_silence_errors(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
#endif
