/** Where the build serves the person-segmentation model's files (web/segmentation-model.vite.ts). */
declare module 'virtual:segmentation-model' {
  export const segmentationBase: string;
}
