"""Reading medical images (PET DICOM series) for the quantities the clinical rules need."""
