export * from './calendar-date.js';
export * from './time-of-day.js';
export * from './time-zones.js';
export * from './availability.js';
export * from './slots.js';
export * from './weekly-series.js';
export * from './counselor-profile.js';
