/** Short names for the generated schema types the screens use. */
import type { Schemas } from './client'

export type Me = Schemas['Me']
export type Dataset = Schemas['Dataset']
export type Finding = Schemas['Finding']
export type ImageInfo = Schemas['Image']
export type Study = Schemas['Study']
export type Label = Schemas['Label']
export type Job = Schemas['Job']
export type Role = Me['roles'][number]
